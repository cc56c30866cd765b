"""AudioBridge wire formats and event translation (pure: no Janus), with the shapes Janus 1.1.2 sent here."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.core.errors import BadRequest, ConfigError
from souk.core.tenancy import RoomKey
from souk.media import messages as m
from souk.media.audiobridge import (
    BridgeOptions,
    BridgeParticipant,
    ParticipantGone,
    ParticipantUpdate,
    TalkingChanged,
    create_body,
    join_body,
    moderation_body,
    participant_id,
    rtp_forward_body,
    translate,
)
from souk.media.events import HandleGone, HangUp, RoomDestroyed, WebrtcUp
from souk.media.voice_mounts import mount_body, parse_audio_port
from souk.media.voice_types import recording_path


def _event(data: dict[str, object]) -> m.Event:
    return m.Event(plugindata=m.PluginData(plugin="janus.plugin.audiobridge", data=data))


def test_participant_ids_are_stable_per_merchant_room_and_identity() -> None:
    a = participant_id(RoomKey("m1", "r"), "alice")
    assert a == participant_id(RoomKey("m1", "r"), "alice")
    assert len({a, participant_id(RoomKey("m2", "r"), "alice"), participant_id(RoomKey("m1", "r2"), "alice"),
                participant_id(RoomKey("m1", "r"), "bob")}) == 4
    assert 0 < a < 2**53
    with pytest.raises(BadRequest):
        participant_id(RoomKey("m1", "r"), "")


def test_create_body_low_prebuffer_fec_talking_and_recording() -> None:
    body = create_body(7, admin_key="ak", secret="s", pin="p", description="x" * 200, options=BridgeOptions(),
                       record_dir="/rec/m/r", record_file="show.wav")
    assert body["default_prebuffering"] == 2 and body["default_expectedloss"] == 10
    assert body["audiolevel_event"] is True and body["audio_active_packets"] == 25
    assert body["record"] is True and body["record_dir"] == "/rec/m/r" and body["record_file"] == "show.wav"
    assert body["is_private"] is True and body["permanent"] is False and len(body["description"]) == 100
    plain = create_body(7, admin_key="ak", secret="s", pin="p", description="d", options=BridgeOptions())
    assert plain["record"] is False and "record_file" not in plain
    with pytest.raises(ConfigError):
        create_body(7, admin_key="ak", secret="s", pin="p", description="d", options=BridgeOptions(prebuffer=0))
    with pytest.raises(ConfigError):
        create_body(7, admin_key="ak", secret="s", pin="p", description="d", options=BridgeOptions(),
                    record_file="x.wav")


def test_join_forward_and_moderation_bodies() -> None:
    assert join_body(7, 9, pin="p", display="alice", muted=True) == {
        "request": "join", "room": 7, "id": 9, "pin": "p", "display": "alice", "muted": True}
    fwd = rtp_forward_body(7, host="127.0.0.1", port=5002, secret="s", admin_key="ak")
    assert fwd["always_on"] is True and fwd["codec"] == "opus" and fwd["ptype"] == 111 and fwd["admin_key"] == "ak"
    with pytest.raises(BadRequest):
        rtp_forward_body(7, host="127.0.0.1", port=0, secret="s", admin_key="ak")
    assert moderation_body(7, 9, action="kick", secret="s") == {"request": "kick", "room": 7, "id": 9, "secret": "s"}


def test_translate_the_events_janus_sends() -> None:
    joined = _event({"audiobridge": "joined", "room": 1, "participants": [
        {"id": 78, "display": "alice", "setup": False, "muted": False}]})
    assert translate("r", joined) == [ParticipantUpdate("r", BridgeParticipant(78, "alice", False, False))]
    muted = _event({"audiobridge": "event", "room": 1, "participants": [
        {"id": 78, "display": "alice", "setup": True, "muted": True}]})
    assert translate("r", muted) == [ParticipantUpdate("r", BridgeParticipant(78, "alice", True, True))]
    assert translate("r", _event({"audiobridge": "event", "room": 1, "kicked": 78})) == [
        ParticipantGone("r", 78, "kicked")]
    assert translate("r", _event({"audiobridge": "event", "room": 1, "leaving": 78})) == [
        ParticipantGone("r", 78, "left")]
    assert translate("r", _event({"audiobridge": "talking", "room": 1, "id": 78, "display": "alice"})) == [
        TalkingChanged("r", 78, "alice", True)]
    assert translate("r", _event({"audiobridge": "stopped-talking", "room": 1, "id": 78})) == [
        TalkingChanged("r", 78, "", False)]
    assert translate("r", _event({"audiobridge": "destroyed", "room": 1})) == [RoomDestroyed("r")]
    assert translate("r", _event({"audiobridge": "event", "result": "ok"})) == []
    assert translate("r", m.WebrtcUpMsg()) == [WebrtcUp()]
    assert translate("r", m.HangupMsg(reason="DTLS alert")) == [HangUp("DTLS alert")]
    assert translate("r", HandleGone("node_lost")) == [HandleGone("node_lost")]
    assert translate("r", _event({"audiobridge": "event", "kicked": True})) == []  # a bool is no id


def test_mix_mountpoint_is_audio_only_opus_with_fec() -> None:
    body = mount_body(5, admin_key="ak", secret="s", pin="p", name="n", host="127.0.0.2")
    (media,) = body["media"]
    assert media["type"] == "audio" and media["codec"] == "opus" and media["fmtp"] == "useinbandfec=1"
    assert media["iface"] == "127.0.0.2" and media["port"] == 0
    assert parse_audio_port({"stream": {"id": 5, "ports": [{"type": "audio", "port": 20100}]}}) == 20100
    with pytest.raises(Exception, match="audio port"):
        parse_audio_port({"stream": {"id": 5}})


def test_recording_names_stay_inside_the_recordings_folder(tmp_path: Path) -> None:
    assert recording_path(tmp_path, "m/r/show.wav") == tmp_path / "m" / "r" / "show.wav"
    for bad in ("/abs.wav", "../up.wav", "m/../../x.wav", "show.mp3", ""):
        with pytest.raises(BadRequest):
            recording_path(tmp_path, bad)


async def test_a_recording_is_whole_once_its_riff_size_is_written(tmp_path: Path) -> None:
    from souk.core.clock import SystemClock
    from souk.media.voice_types import wait_recording_closed

    wav = tmp_path / "mix.wav"
    header = b"RIFF" + (0).to_bytes(4, "little") + b"WAVEfmt " + bytes(32)
    wav.write_bytes(header + bytes(100))  # as Janus leaves it while recording: sizes 0
    assert not await wait_recording_closed(wav, SystemClock(), wait_s=0.1)
    wav.write_bytes(b"RIFF" + (len(header) + 100 - 8).to_bytes(4, "little") + header[8:] + bytes(100))
    assert await wait_recording_closed(wav, SystemClock(), wait_s=0.1)
    assert not await wait_recording_closed(tmp_path / "missing.wav", SystemClock(), wait_s=0.1)
