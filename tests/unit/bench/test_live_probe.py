"""The live-bench probe's jitter buffer: a frame leaves at its marker packet, and a repaired hole frees every
frame behind it at once (aiortc's own buffer waits for the next frame and frees one frame per packet)."""

from __future__ import annotations

from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from souk.bench.live.probe import MarkerJitterBuffer


def _pkt(seq: int, ts: int, marker: bool, data: bytes) -> RtpPacket:
    p = RtpPacket(payload_type=96, sequence_number=seq, timestamp=ts, marker=int(marker))
    p._data = data  # type: ignore[attr-defined]  # what aiortc's depayloader leaves on a packet
    return p


def test_a_frame_leaves_at_its_marker_packet() -> None:
    jb = MarkerJitterBuffer()
    assert jb.add(_pkt(100, 3000, False, b"a"))[1] is None
    _, frame = jb.add(_pkt(101, 3000, True, b"b"))
    assert frame is not None and frame.data == b"ab" and frame.timestamp == 3000
    # aiortc's own buffer holds the same frame until the next frame's first packet
    stock = JitterBuffer(capacity=512, is_video=True)
    stock.add(_pkt(100, 3000, False, b"a"))
    assert stock.add(_pkt(101, 3000, True, b"b"))[1] is None


def test_a_filled_hole_frees_every_frame_behind_it() -> None:
    jb = MarkerJitterBuffer()
    jb.add(_pkt(10, 0, True, b"f0"))
    assert jb.add(_pkt(12, 3000, True, b"f1b"))[1] is None  # 11 lost: frame 1 incomplete
    assert jb.add(_pkt(13, 6000, True, b"f2"))[1] is None
    assert jb.add(_pkt(14, 9000, True, b"f3"))[1] is None
    _, first = jb.add(_pkt(11, 3000, False, b"f1a"))  # the retransmission
    assert first is not None and first.data == b"f1af1b"
    assert [(f.timestamp, f.data) for f in jb.ready] == [(6000, b"f2"), (9000, b"f3")]
    assert jb._origin == 15


def test_a_frame_without_its_marker_ends_where_the_next_one_begins() -> None:
    jb = MarkerJitterBuffer()
    assert jb.add(_pkt(1, 0, False, b"x"))[1] is None  # frame 0's marker never comes
    _, frame = jb.add(_pkt(2, 3000, True, b"y"))  # but frame 1 follows without a gap: both are whole
    assert frame is not None and (frame.timestamp, frame.data) == (0, b"x")
    assert [(f.timestamp, f.data) for f in jb.ready] == [(3000, b"y")]
