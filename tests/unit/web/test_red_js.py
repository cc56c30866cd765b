"""The SDK's RFC 2198 RED rewriting through Janus 1.1.2's VideoRoom (sdk/red.js, docs/resilience.md), run with
node: the publisher's offer puts RED on 111 over Opus 63, Janus's Opus-only answer gets RED back first, a
subscriber reads Janus's "opus 111" as RED over an Opus type of its own, and its answer goes back to Janus as
plain Opus on 111."""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

HEAD = ("v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1")
VIDEO = ("m=video 9 UDP/TLS/RTP/SAVPF 96 97", "a=mid:1", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack",
         "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96")
# what Chromium offers when publishing (Opus 111, RED 63 over it)
OFFER = "\r\n".join((*HEAD, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9", "a=mid:0", "a=rtpmap:111 opus/48000/2",
                     "a=rtcp-fb:111 transport-cc", "a=fmtp:111 minptime=10;useinbandfec=1",
                     "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111", "a=rtpmap:9 G722/8000", *VIDEO, ""))
# what Janus 1.1.2 answers to the renumbered offer: Opus alone, on the offer's type
JANUS_ANSWER = "\r\n".join((*HEAD, "m=audio 9 UDP/TLS/RTP/SAVPF 63", "a=mid:0", "a=rtpmap:63 opus/48000/2",
                            "a=fmtp:63 useinbandfec=1;usedtx=1", "a=rtcp-fb:63 transport-cc", *VIDEO, ""))
# what Janus offers a subscriber of any feed: Opus on 111
JANUS_OFFER = "\r\n".join((*HEAD, "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=rtpmap:111 opus/48000/2",
                           "a=fmtp:111 useinbandfec=1;usedtx=1", "a=rtcp-fb:111 transport-cc", *VIDEO, ""))


def run(body: str, **values: Any) -> Any:
    consts = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
    return run_module("sdk/red.js", body, after_import=consts)


def audio(sdp: str) -> list[str]:
    ls = sdp.split("\r\n")
    start = next(i for i, x in enumerate(ls) if x.startswith("m=audio"))
    end = next(i for i, x in enumerate(ls) if x.startswith("m=video"))
    return ls[start:end]


def test_publish_offer_puts_red_on_111_over_opus_63_and_is_idempotent() -> None:
    got = run("const a = m.redPublishOffer(o); return [a, m.redPublishOffer(a), m.redOf(a)];", o=OFFER)
    assert audio(got[0]) == ["m=audio 9 UDP/TLS/RTP/SAVPF 63 111 9", "a=mid:0", "a=rtpmap:63 opus/48000/2",
                             "a=rtcp-fb:63 transport-cc", "a=fmtp:63 minptime=10;useinbandfec=1",
                             "a=rtpmap:111 red/48000/2", "a=fmtp:111 63/63", "a=rtpmap:9 G722/8000"]
    assert got[0].split("m=video")[1] == OFFER.split("m=video")[1]  # video untouched
    assert got[1] == got[0]  # an ICE restart's re-offer is already in shape
    assert got[2] == {"red": "111", "opus": "63"}


def test_publish_offer_without_red_or_with_odd_numbers_is_refused() -> None:
    no_red = OFFER.replace("a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n", "")
    other_opus = OFFER.replace(":111 ", ":110 ").replace("63 111/111", "63 110/110")
    red_of_g722 = OFFER.replace("a=fmtp:63 111/111", "a=fmtp:63 9/9")
    got = run("return [m.redPublishOffer(a), m.redPublishOffer(b), m.redPublishOffer(c), m.redOf(d)];",
              a=no_red, b=other_opus, c=red_of_g722, d=OFFER)
    assert got == [None, None, None, None]


def test_janus_answer_gets_red_first_and_a_mismatched_answer_is_refused() -> None:
    got = run("const o = m.redPublishOffer(offer); return [m.redPublishAnswer(a, o), m.redPublishAnswer(b, o),"
              " m.redPublishAnswer(a, offer)];", offer=OFFER, a=JANUS_ANSWER,
              b=JANUS_ANSWER.replace(":63 ", ":111 ").replace("SAVPF 63", "SAVPF 111"))
    assert audio(got[0]) == ["m=audio 9 UDP/TLS/RTP/SAVPF 111 63", "a=mid:0", "a=rtpmap:111 red/48000/2",
                             "a=fmtp:111 63/63", "a=rtpmap:63 opus/48000/2", "a=fmtp:63 useinbandfec=1;usedtx=1",
                             "a=rtcp-fb:63 transport-cc"]
    assert got[1] is None  # Janus answered Opus on 111: RED over 63 would be no one's redundancy
    assert got[2] is None  # the offer sent was not a RED offer


def test_subscriber_reads_111_as_red_and_answers_janus_in_plain_opus() -> None:
    # what Chromium answers to the rewritten offer: RED 111 over Opus 63, with its own Opus settings
    chromium = "\r\n".join((*HEAD, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63", "a=mid:0", "a=rtpmap:111 red/48000/2",
                            "a=fmtp:111 63/63", "a=rtpmap:63 opus/48000/2", "a=rtcp-fb:63 transport-cc",
                            "a=fmtp:63 minptime=10;useinbandfec=1;usedtx=1", *VIDEO, ""))
    got = run("const s = m.redSubscribeOffer(o); return [s, m.redForJanus(c, s), m.hasRed(s.sdp), m.hasRed(o),"
              " m.redForJanus(o, s)];", o=JANUS_OFFER, c=chromium)
    sub = got[0]
    assert (sub["red"], sub["opus"]) == ("111", "63")
    assert audio(sub["sdp"]) == ["m=audio 9 UDP/TLS/RTP/SAVPF 111 63", "a=mid:0", "a=rtpmap:111 red/48000/2",
                                 "a=fmtp:111 63/63", "a=rtpmap:63 opus/48000/2", "a=fmtp:63 useinbandfec=1;usedtx=1",
                                 "a=rtcp-fb:63 transport-cc"]
    assert sub["sdp"].split("m=video")[1] == JANUS_OFFER.split("m=video")[1]
    assert audio(got[1]) == ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=rtpmap:111 opus/48000/2",
                             "a=rtcp-fb:111 transport-cc", "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1"]
    assert got[2] is True and got[3] is False
    assert got[4] is None  # an answer without RED (the browser refused it) goes to Janus as it is


def test_subscriber_offer_picks_a_free_opus_type_and_leaves_odd_offers() -> None:
    taken = JANUS_OFFER.replace("SAVPF 96 97", "SAVPF 63 97").replace(":96 ", ":63 ").replace("apt=96", "apt=63")
    got = run("return [m.redSubscribeOffer(a).opus, m.redSubscribeOffer(b), m.redSubscribeOffer(c)];", a=taken,
              b=JANUS_OFFER.replace(":111 ", ":110 ").replace("SAVPF 111", "SAVPF 110"),
              c="v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n")
    assert got == ["96", None, None]


def test_red_payloads_are_read_and_rebuilt_with_two_copies() -> None:
    """What Chromium sends (one copy of the previous frame) comes out with the two previous primaries, oldest
    first, with RFC 2198 headers (F|PT, 14-bit timestamp offset, 10-bit length) that the parser reads back."""
    got = run("""
      const f = (n, len) => Uint8Array.from({ length: len }, (_, i) => (n * 16 + i) & 0xff);
      const chromium = (prev, cur) => { const o = new Uint8Array(5 + prev.length + cur.length);
        o.set([0x80 | 63, 960 >> 6, ((960 & 0x3f) << 2) | (prev.length >> 8), prev.length & 0xff, 63], 0);
        o.set(prev, 5); o.set(cur, 5 + prev.length); return o; };
      const history = [];
      const outs = [];
      const frames = [f(1, 40), f(2, 50), f(3, 60), f(4, 70)];
      frames.forEach((cur, k) => {
        const red = m.parseRed(k ? chromium(frames[k - 1], cur) : Uint8Array.from([63, ...cur]));
        const out = m.buildRed(red.pt, red.primary, 1000 + 960 * k, history, 2);
        history.push({ ts: 1000 + 960 * k, data: red.primary.slice() });
        while (history.length > 2) history.shift();
        const back = m.parseRed(out);
        outs.push({ len: out.length, pt: back.pt, primary: Array.from(back.primary),
                    blocks: back.blocks.map((b) => ({ pt: b.pt, offset: b.offset, first: b.data[0], len: b.data.length })) });
      });
      const bad = [m.parseRed(new Uint8Array([0x80 | 63, 0, 0])), m.parseRed(new Uint8Array([0x80 | 63, 0, 4, 200, 63, 1])),
                   m.buildRed(63, new Uint8Array(0), 0, [], 2)];
      const old = m.buildRed(63, f(9, 10), 100000, [{ ts: 1000, data: f(8, 10) }, { ts: 99040, data: f(8, 2000) }], 2);
      return { outs, frames: frames.map((x) => Array.from(x)), bad, old: Array.from(old) };
    """)
    outs, frames = got["outs"], got["frames"]
    assert outs[0]["blocks"] == [] and outs[0]["primary"] == frames[0]
    assert outs[1]["blocks"] == [{"pt": 63, "offset": 960, "first": frames[0][0], "len": 40}]
    assert outs[2]["blocks"] == [{"pt": 63, "offset": 1920, "first": frames[0][0], "len": 40},
                                 {"pt": 63, "offset": 960, "first": frames[1][0], "len": 50}]
    assert outs[3]["blocks"] == [{"pt": 63, "offset": 1920, "first": frames[1][0], "len": 50},
                                 {"pt": 63, "offset": 960, "first": frames[2][0], "len": 60}]
    assert outs[3]["primary"] == frames[3] and outs[3]["pt"] == 63 and outs[3]["len"] == 4 * 2 + 1 + 50 + 60 + 70
    assert got["bad"] == [None, None, None]
    # a block too old (offset >= 2^14) or too long (>= 1024 bytes) is left out
    assert got["old"] == [63, *range(9 * 16, 9 * 16 + 10)]


def test_the_rebuilder_works_from_its_source_text_as_the_red_worker_runs_it() -> None:
    """The RED worker is made from the functions' source text (a blob: same origin as any page): rebuilt from
    that text alone, the rebuilder turns RED frames into two-copy payloads, counts them, and passes frames of
    another payload type (video never reaches it in a worker; on the main thread it passes) untouched."""
    got = run("""
      const make = new Function(`${m.parseRed}\\n${m.buildRed}\\n${m.redRebuilder}\\nreturn redRebuilder;`)();
      const stats = { frames: 0, rebuilt: 0 };
      const rebuild = make(2, m.RED_PT, stats);
      const frame = (pt, ts, bytes) => ({ data: Uint8Array.from(bytes).buffer, getMetadata: () => ({ payloadType: pt, rtpTimestamp: ts }) });
      const outs = [];
      for (let k = 0; k < 3; k++) {
        const f = rebuild(frame(111, 1000 + 960 * k, [63, k + 1, k + 1, k + 1]));
        outs.push(Array.from(new Uint8Array(f.data)));
      }
      const other = rebuild(frame(96, 5, [1, 2, 3]));
      return { outs, other: Array.from(new Uint8Array(other.data)), stats };
    """)
    assert got["outs"][0] == [63, 1, 1, 1]
    # third frame: two 4-byte headers (offsets 1920 and 960, 3 bytes each), the primary's header, oldest first
    assert got["outs"][2] == [0x80 | 63, 1920 >> 6, (1920 & 0x3f) << 2, 3, 0x80 | 63, 960 >> 6, (960 & 0x3f) << 2, 3,
                              63, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert got["other"] == [1, 2, 3]
    assert got["stats"] == {"frames": 4, "rebuilt": 3}
