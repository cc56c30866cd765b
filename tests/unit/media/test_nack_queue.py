"""Reading Janus's retransmission queue sizes off an admin handle_info (warm-subscription priming)."""

from __future__ import annotations

from souk.media.priming import nack_queue_ms


def test_queue_sizes_per_kind_from_handle_info() -> None:
    info = {"webrtc": {"media": {
        "0": {"type": "video", "mid": "0", "do_nacks": True, "nack-queue-ms": 0},
        "1": {"type": "audio", "mid": "1", "do_nacks": False, "nack-queue-ms": 250},
        "2": {"type": "video", "mid": "2", "nack-queue-ms": 1000},
        "3": {"type": "data", "mid": "3"},
    }}}
    assert nack_queue_ms(info) == {"video": 1000, "audio": 250}
    assert nack_queue_ms({"webrtc": {"media": [{"type": "video", "nack-queue-ms": 0}]}}) == {"video": 0}


def test_nothing_negotiated_yet() -> None:
    assert nack_queue_ms({}) == {}
    assert nack_queue_ms({"webrtc": {}}) == {}
    assert nack_queue_ms({"webrtc": {"media": {"0": {"type": "video"}}}}) == {"video": 0}
