"""The cheap live-bench viewer's pure parts: answering Janus's offer, counting RTP, timing frames."""

from __future__ import annotations

import pytest

from souk.bench.live.rtpcount import BadOffer, FrameClock, SeqCounter, answer_sdp, lag_summary, parse_offer

# the shape of a Janus 1.1.2 VideoRoom subscriber offer (audio + video + data, half-trickle candidates)
_OFFER_LINES = [
    "v=0", "o=- 1733 1 IN IP4 127.0.0.2", "s=VideoRoom 1234", "t=0 0", "a=group:BUNDLE 0 1 2",
    "a=ice-options:trickle", "a=fingerprint:sha-256 AA:BB", "a=msid-semantic: WMS janus",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 127.0.0.2", "a=sendonly", "a=mid:0", "a=rtcp-mux",
    "a=ice-ufrag:Jufr", "a=ice-pwd:Jpwd0123456789", "a=setup:actpass", "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 useinbandfec=1", "a=candidate:1 1 udp 2015363327 127.0.0.2 20512 typ host",
    "a=candidate:2 1 tcp 1015022847 127.0.0.2 9 typ host tcptype active", "a=end-of-candidates",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 127.0.0.2", "a=sendonly", "a=mid:1", "a=rtcp-mux",
    "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "a=mid:2", "",
]
OFFER = "\r\n".join(_OFFER_LINES)


def test_offer_parts_and_the_answer() -> None:
    offer = parse_offer(OFFER)
    assert (offer.ice_ufrag, offer.ice_pwd) == ("Jufr", "Jpwd0123456789")
    assert offer.candidates == (("127.0.0.2", 20512),)  # UDP only
    assert [(m.kind, m.mid, m.payload_type) for m in offer.media] == [("audio", "0", 111), ("video", "1", 96),
                                                                       ("application", "2", None)]
    sdp = answer_sdp(offer, ufrag="u1", pwd="p" * 24, fingerprint="sha-256 CC:DD", host="127.0.0.2", port=40000,
                     session_id=7)
    lines = sdp.split("\r\n")
    assert "a=group:BUNDLE 0 1" in lines
    assert "m=audio 40000 UDP/TLS/RTP/SAVPF 111" in lines and "m=video 9 UDP/TLS/RTP/SAVPF 96" in lines
    assert "m=application 0 UDP/TLS/RTP/SAVPF 0" in lines  # rejected, mid kept
    assert lines.count("a=recvonly") == 2 and lines.count("a=setup:passive") == 2
    assert "a=fmtp:111 useinbandfec=1" in lines and "a=rtpmap:96 VP8/90000" in lines
    assert not any("rtx" in line for line in lines)  # no RTX, no NACK: the viewer never asks for repairs
    assert lines.count("a=candidate:1 1 udp 2130706431 127.0.0.2 40000 typ host") == 1
    assert sdp.endswith("\r\n")


@pytest.mark.parametrize("drop", ["a=ice-ufrag:Jufr", "a=candidate:1 1 udp 2015363327 127.0.0.2 20512 typ host"])
def test_an_offer_without_credentials_or_candidate_is_refused(drop: str) -> None:
    with pytest.raises(BadOffer):
        parse_offer(OFFER.replace(drop + "\r\n", ""))


def test_seq_counter_counts_gaps_and_the_wrap() -> None:
    c = SeqCounter()
    for seq in [65530, 65531, 65533, 65535, 0, 1, 3]:  # 65532, 65534 and 2 lost, across the wrap
        c.add(seq)
    assert c.expected == 10 and c.received == 7 and c.lost == 3
    c.add(2)  # a late one fills a hole and does not move the top
    assert c.expected == 10 and c.lost == 2
    c.add(3)  # a duplicate counts as received (RFC 3550): loss never goes negative
    assert c.lost == 1
    assert SeqCounter().lost == 0


def test_frame_clock_lag_is_over_the_fastest_frame_and_survives_the_ts_wrap() -> None:
    clock = FrameClock()
    ts0 = 2**32 - 3000 * 5  # wraps after 5 frames
    for i in range(10):
        extra = 40.0 if i == 7 else 0.0  # frame 7 arrives 40 ms late
        clock.frame((ts0 + 3000 * i) % 2**32, 1000.0 + i * 100 / 3 + 5.0 + extra)
    lags = clock.drain_lags()
    assert len(lags) == 10 and max(lags) == pytest.approx(40.0, abs=0.01) and min(lags) == 0.0
    assert clock.drain_lags() == []  # drained
    assert clock.frames == 10 and clock.freezes == 0
    assert lag_summary(lags)["max"] == pytest.approx(40.0, abs=0.01)


def test_frame_clock_counts_a_w3c_freeze() -> None:
    clock = FrameClock()
    t = 0.0
    for i in range(40):
        t += 500.0 if i == 35 else 1000 / 30
        clock.frame(3000 * i, t)
    assert clock.freezes == 1 and clock.freeze_ms == pytest.approx(500.0)
    assert clock.max_gap_ms == pytest.approx(500.0)


def test_report_block_fraction_is_per_interval_and_parses_as_an_rtcp_rr() -> None:
    from aiortc.rtp import RtcpPacket, RtcpReceiverInfo, RtcpRrPacket

    c = SeqCounter()
    for seq in range(65530, 65530 + 100):  # 100 expected across the wrap, every 4th lost
        if seq % 4:
            c.add(seq & 0xFFFF)
    fraction, cumulative, highest = c.report_block()
    assert cumulative == c.lost and 24 <= cumulative <= 26
    assert fraction == (cumulative << 8) // c.expected
    assert highest == 65530 + 99  # one cycle: 0x10000 + the low 16 bits
    for seq in range(65630, 65640):  # a clean interval
        c.add(seq & 0xFFFF)
    fraction2, cumulative2, _ = c.report_block()
    assert fraction2 == 0 and cumulative2 == cumulative
    block = RtcpReceiverInfo(ssrc=7, fraction_lost=fraction, packets_lost=cumulative, highest_sequence=highest,
                             jitter=0, lsr=0, dlsr=0)
    [parsed] = RtcpPacket.parse(bytes(RtcpRrPacket(ssrc=9, reports=[block])))
    assert isinstance(parsed, RtcpRrPacket) and parsed.reports[0].packets_lost == cumulative
