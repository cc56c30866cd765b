"""Golden tests for the Janus wire messages (no I/O)."""

from __future__ import annotations

import pytest

from souk.media import messages as m


@pytest.mark.parametrize(
    ("req", "golden"),
    [
        (m.Info(transaction="t"), b'{"janus":"info","transaction":"t"}'),
        (m.CreateSession(transaction="t", apisecret="s"), b'{"janus":"create","transaction":"t","apisecret":"s"}'),
        (m.KeepAlive(transaction="t", session_id=1), b'{"janus":"keepalive","session_id":1,"transaction":"t"}'),
        (m.DestroySession(transaction="t", session_id=1), b'{"janus":"destroy","session_id":1,"transaction":"t"}'),
        (m.Attach(transaction="t", session_id=1, plugin="janus.plugin.videoroom"),
         b'{"janus":"attach","session_id":1,"plugin":"janus.plugin.videoroom","transaction":"t"}'),
        (m.Detach(transaction="t", session_id=1, handle_id=2),
         b'{"janus":"detach","session_id":1,"handle_id":2,"transaction":"t"}'),
        (m.Hangup(transaction="t", session_id=1, handle_id=2),
         b'{"janus":"hangup","session_id":1,"handle_id":2,"transaction":"t"}'),
        (m.Message(transaction="t", session_id=1, handle_id=2, body={"request": "start"},
                   jsep={"type": "answer", "sdp": "v=0"}),
         (b'{"janus":"message","session_id":1,"handle_id":2,"body":{"request":"start"},'
          b'"jsep":{"type":"answer","sdp":"v=0"},"transaction":"t"}')),
        (m.Trickle(transaction="t", session_id=1, handle_id=2, candidate={"completed": True}),
         b'{"janus":"trickle","session_id":1,"handle_id":2,"candidate":{"completed":true},"transaction":"t"}'),
        (m.ListSessions(transaction="t", admin_secret="a"),
         b'{"janus":"list_sessions","transaction":"t","admin_secret":"a"}'),
        (m.ListHandles(transaction="t", session_id=9),
         b'{"janus":"list_handles","session_id":9,"transaction":"t"}'),
    ],
)
def test_encode_golden(req: m.Request, golden: bytes) -> None:
    assert m.encode(req) == golden


def test_decode_success_with_id() -> None:
    msg = m.decode('{"janus":"success","transaction":"x","data":{"id":42}}')
    assert isinstance(msg, m.Success) and msg.data == {"id": 42} and msg.transaction == "x"


def test_decode_plugin_event_with_jsep() -> None:
    msg = m.decode(
        '{"janus":"event","session_id":1,"sender":2,"transaction":"x",'
        '"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"attached","room":5}},'
        '"jsep":{"type":"offer","sdp":"v=0..."}}'
    )
    assert isinstance(msg, m.Event)
    assert msg.sender == 2 and msg.plugindata is not None and msg.plugindata.data["room"] == 5
    assert msg.jsep == {"type": "offer", "sdp": "v=0..."}


def test_decode_error() -> None:
    msg = m.decode('{"janus":"error","transaction":"x","error":{"code":403,"reason":"Unauthorized request"}}')
    assert isinstance(msg, m.Error) and msg.error.code == 403 and "Unauthorized" in msg.error.reason


@pytest.mark.parametrize(
    ("frame", "cls", "check"),
    [
        ('{"janus":"webrtcup","session_id":1,"sender":2}', m.WebrtcUpMsg, lambda x: x.sender == 2),
        ('{"janus":"media","session_id":1,"sender":2,"type":"video","receiving":true,"mid":"1"}', m.MediaMsg,
         lambda x: x.type == "video" and x.receiving and x.mid == "1"),
        ('{"janus":"slowlink","session_id":1,"sender":2,"uplink":true,"lost":12,"media":"video"}',
         m.SlowLinkMsg, lambda x: x.uplink and x.lost == 12),
        ('{"janus":"hangup","session_id":1,"sender":2,"reason":"DTLS alert"}', m.HangupMsg,
         lambda x: x.reason == "DTLS alert"),
        ('{"janus":"detached","session_id":1,"sender":2}', m.DetachedMsg, lambda x: x.sender == 2),
        ('{"janus":"timeout","session_id":1}', m.TimeoutMsg, lambda x: x.session_id == 1),
        ('{"janus":"ack","session_id":1,"transaction":"x"}', m.Ack, lambda x: x.transaction == "x"),
        (('{"janus":"server_info","transaction":"x","name":"souk","version":1102,"version_string":"1.1.2",'
          '"plugins":{"janus.plugin.videoroom":{}},"extra":1}'), m.ServerInfo,
         lambda x: x.version_string == "1.1.2" and "janus.plugin.videoroom" in x.plugins),
    ],
)
def test_decode_async_kinds(frame: str, cls: type, check: object) -> None:
    msg = m.decode(frame)
    assert isinstance(msg, cls)
    assert check(msg)  # type: ignore[operator]


@pytest.mark.parametrize(
    "frame",
    [
        b"not json",
        b"",
        b"[1,2]",
        b'{"janus":"weird","transaction":"x"}',
        b'{"transaction":"x"}',
        b'{"janus":"error","transaction":"x","error":{"code":"four hundred"}}',
        b'{"janus":"success","session_id":"abc"}',
        b"\xff\xfe",
    ],
)
def test_decode_garbage_raises_bad_message_only(frame: bytes) -> None:
    with pytest.raises(m.BadMessage) as err:
        m.decode(frame)
    assert err.value.kind.value == "internal"
    assert "bad message from Janus" in str(err.value)
