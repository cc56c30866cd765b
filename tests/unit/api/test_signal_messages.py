"""Golden tests of the signaling wire format (pure, no I/O)."""

from __future__ import annotations

import json

import pytest

from souk.signal import messages as m


@pytest.mark.parametrize(("raw", "expected"), [
    ('{"type":"join","room":"room_1","id":"1"}', m.Join(room="room_1", id="1")),
    ('{"type":"publish","sdp":"v=0","id":"2","audio":false}', m.Publish(sdp="v=0", id="2", audio=False)),
    ('{"type":"subscribe","feed":"alice","id":"3"}', m.Subscribe(feed="alice", id="3")),
    ('{"type":"answer","sub":"sub_1","sdp":"v=0","id":"4"}', m.Answer(sub="sub_1", sdp="v=0", id="4")),
    (('{"type":"trickle","target":"pub","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.2 5000 typ host",'
     '"sdpMid":"0","sdpMLineIndex":0}}'),
     m.Trickle(target="pub", candidate=m.Candidate("candidate:1 1 udp 1 127.0.0.2 5000 typ host", "0", 0))),
    ('{"type":"trickle","target":"sub_9","candidate":null}', m.Trickle(target="sub_9", candidate=None)),
    ('{"type":"mute","kind":"audio","muted":true,"id":"5"}', m.Mute(kind="audio", muted=True, id="5")),
    ('{"type":"unsubscribe","sub":"sub_1"}', m.Unsubscribe(sub="sub_1")),
    ('{"type":"unpublish"}', m.Unpublish()),
    ('{"type":"leave","id":"9"}', m.Leave(id="9")),
    ('{"type":"ping"}', m.Ping()),
    ('{"type":"auth","token":"t"}', m.Auth(token="t")),
    ('{"type":"warm","id":"10"}', m.Warm(id="10")),
    ('{"type":"switch","sub":"sub_1","feed":"seller","id":"11"}', m.Switch(sub="sub_1", feed="seller", id="11")),
])
def test_client_messages_decode(raw: str, expected: m.ClientMessage) -> None:
    assert m.decode_client(raw) == expected


@pytest.mark.parametrize(("msg", "golden"), [
    (m.Ack(id="1"), {"type": "ack", "id": "1"}),
    (m.Error(id="2", code="unknown_feed", message="x"), {"type": "error", "code": "unknown_feed", "message": "x",
                                                          "id": "2"}),
    (m.SdpAnswer(sdp="v=0", id="3"), {"type": "answer", "sdp": "v=0", "id": "3"}),
    (m.SdpOffer(sub="sub_1", feed="bob", sdp="v=0", id="4"),
     {"type": "offer", "sub": "sub_1", "feed": "bob", "sdp": "v=0", "id": "4"}),
    (m.SdpOffer(sub="sub_2", feed="me", sdp="v=0", id="6", warm=True),
     {"type": "offer", "sub": "sub_2", "feed": "me", "sdp": "v=0", "id": "6", "warm": True}),
    (m.Switched(sub="sub_2", feed="seller", kinds=["audio", "video"], id="7"),
     {"type": "switched", "sub": "sub_2", "feed": "seller", "kinds": ["audio", "video"], "id": "7"}),
    (m.Joined(room="r", participants=[m.ParticipantInfo("bob", "host")], feeds=[m.FeedInfo("bob")], id="5"),
     {"type": "joined", "room": "r", "participants": [{"identity": "bob", "role": "host"}],
      "feeds": [{"participant": "bob", "audio": True, "video": True, "audio_muted": False,
                 "video_muted": False, "simulcast": False, "rtt_ms": 0}], "id": "5"}),
    (m.ParticipantLeft(identity="bob"), {"type": "participant.left", "identity": "bob"}),
    (m.Published(feed=m.FeedInfo("bob", audio=False)),
     {"type": "published", "feed": {"participant": "bob", "audio": False, "video": True, "audio_muted": False,
                                    "video_muted": False, "simulcast": False, "rtt_ms": 0}}),
    (m.CallEvent(call=m.CallInfo(call_id="c", room="r", shopper="s", state="missed", product_sku="AP-1")),
     {"type": "call", "call": {"call_id": "c", "room": "r", "shopper": "s", "state": "missed",
                               "product_sku": "AP-1"}}),
    (m.MediaState(participant="me", target="pub", webrtc="up"),
     {"type": "media", "participant": "me", "audio_muted": False, "video_muted": False, "target": "pub",
      "webrtc": "up"}),
])
def test_server_messages_encode(msg: m.ServerMessage, golden: dict[str, object]) -> None:
    assert json.loads(m.encode(msg)) == golden


@pytest.mark.parametrize(("raw", "code", "request_id"), [
    ("not json", m.ErrorCode.MALFORMED, ""),
    ("[1,2]", m.ErrorCode.MALFORMED, ""),
    ('{"id":"7"}', m.ErrorCode.MALFORMED, "7"),
    ('{"type":"teleport","id":"8"}', m.ErrorCode.UNKNOWN_TYPE, "8"),
    ('{"type":"join","id":"9"}', m.ErrorCode.MALFORMED, "9"),
    ('{"type":"join","room":5}', m.ErrorCode.MALFORMED, ""),
    ('{"type":"mute","kind":"smell","muted":true}', m.ErrorCode.MALFORMED, ""),
    (b"\xff\xfe", m.ErrorCode.MALFORMED, ""),
])
def test_bad_client_messages_get_stable_codes(raw: str | bytes, code: str, request_id: str) -> None:
    with pytest.raises(m.DecodeFailure) as info:
        m.decode_client(raw)
    assert info.value.code == code
    assert info.value.request_id == request_id
    assert info.value.message
