"""Golden shapes of the Streaming plugin and rtp_forward requests the cascade sends (Janus 1.1.2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from souk.core.errors import BadRequest, NotFound
from souk.core.tenancy import RoomKey
from souk.media.errors import JanusError
from souk.media.forward import (
    FeedStreams,
    Forwarder,
    feed_streams,
    parse_forwarders,
    rtp_forward_body,
    stop_rtp_forward_body,
)
from souk.media.streaming import (
    MountpointPorts,
    create_body,
    destroy_body,
    mountpoint_id,
    parse_created,
    watch_body,
)

GOLDEN = Path(__file__).parent / "golden" / "cascade_messages.json"
PORTS = MountpointPorts(mountpoint=77, audio=10000, video=10001, video_rtcp=10002)


def _bodies() -> dict[str, Any]:
    feed = FeedStreams(feed_id=555, audio_mid="0", video_mid="1")
    return {
        "streaming_create": create_body(77, admin_key="key", secret="sec", pin="pin", name="souk relay room_1/555",
                                        host="127.0.0.2"),
        "streaming_create_given_ports": create_body(77, admin_key="key", secret="sec", pin="pin", name="n",
                                                    audio_port=5002, video_port=5004, video_rtcp_port=5005),
        "streaming_destroy": destroy_body(77, secret="sec"),
        "streaming_watch": watch_body(77, pin="pin"),
        "rtp_forward": rtp_forward_body(1234, feed, host="127.0.0.2", ports=PORTS, secret="sec", admin_key="key"),
        "rtp_forward_video_only": rtp_forward_body(1234, FeedStreams(555, None, "0"), host="10.0.0.2", ports=PORTS,
                                                   secret="sec", admin_key="key"),
        "rtp_forward_simulcast": rtp_forward_body(1234, FeedStreams(555, "0", "1", video_simulcast=True),
                                                  host="127.0.0.2", ports=PORTS, secret="sec", admin_key="key"),
        "stop_rtp_forward": stop_rtp_forward_body(1234, 555, 9, secret="sec", admin_key="key"),
    }


def test_request_bodies_match_golden() -> None:
    got = json.loads(json.dumps(_bodies()))
    assert got == json.loads(GOLDEN.read_text())


def test_video_always_carries_the_rtcp_path() -> None:
    body = _bodies()["rtp_forward"]
    video = next(s for s in body["streams"] if s["mid"] == "1")
    assert video["rtcp_port"] == PORTS.video_rtcp  # without it edge viewers never get a keyframe
    created = _bodies()["streaming_create"]["media"]
    assert [m["type"] for m in created] == ["audio", "video"] and "rtcpport" in created[1]


def test_parse_created_reply() -> None:
    # the reply Janus 1.1.2 gave for a create with port 0 everywhere (recorded from a real node)
    reply = {"streaming": "created", "created": "x", "permanent": False,
             "stream": {"id": 777, "type": "live", "description": "d", "is_private": True, "host": "127.0.0.1",
                        "ports": [{"type": "audio", "mid": "a", "port": 10000},
                                  {"type": "video", "mid": "v", "port": 10001, "rtcp_port": 10002}]}}
    assert parse_created(reply) == MountpointPorts(777, 10000, 10001, 10002)
    with pytest.raises(JanusError):
        parse_created({"streaming": "created", "stream": {"id": 1, "ports": [{"type": "audio", "port": 1}]}})


def test_parse_forwarders_reply() -> None:
    reply = {"videoroom": "rtp_forward", "room": 1234, "publisher_id": 555, "forwarders": [
        {"stream_id": 1, "type": "audio", "host": "127.0.0.2", "port": 10000},
        {"stream_id": 2, "type": "video", "host": "127.0.0.2", "port": 10001, "local_rtcp_port": 34567,
         "remote_rtcp_port": 10002}]}
    assert parse_forwarders(reply) == (Forwarder(1, "audio", 10000), Forwarder(2, "video", 10001))
    with pytest.raises(JanusError):
        parse_forwarders({"videoroom": "rtp_forward"})


def test_feed_streams_from_publishers_list() -> None:
    pubs = [{"id": 1, "streams": [{"type": "audio", "mid": "0"}]},
            {"id": 555, "streams": [{"type": "audio", "mid": "0", "disabled": True}, {"type": "video", "mid": "1"},
                                    {"type": "video", "mid": "2"}]}]
    assert feed_streams(555, pubs) == FeedStreams(555, None, "1")
    browser = [{"id": 7, "streams": [{"type": "audio", "mid": "0"}, {"type": "video", "mid": "1", "simulcast": True}]}]
    assert feed_streams(7, browser) == FeedStreams(7, "0", "1", video_simulcast=True)
    with pytest.raises(NotFound):
        feed_streams(9, pubs)
    with pytest.raises(NotFound):
        rtp_forward_body(1, FeedStreams(9, None, None), host="h", ports=PORTS, secret="s", admin_key="k")


def test_mountpoint_ids_are_stable_and_distinct() -> None:
    r1, r2 = RoomKey("m", "room_1"), RoomKey("m", "room_2")
    assert mountpoint_id(r1, 5) == mountpoint_id(r1, 5)
    assert len({mountpoint_id(r1, f) for f in range(100)} | {mountpoint_id(r2, 5)}) == 101
    assert 0 < mountpoint_id(RoomKey("m", "r"), 1) < 2**53
    assert mountpoint_id(r1, 5, "souk-a") != mountpoint_id(r1, 5, "souk-b")  # one per Souk process
    assert mountpoint_id(r1, 5) != mountpoint_id(RoomKey("other", "room_1"), 5)  # one per merchant's room


def test_bad_ports_are_refused() -> None:
    with pytest.raises(BadRequest):
        create_body(1, admin_key="k", secret="s", pin="p", name="n", audio_port=70000)


def test_relay_port_range_goes_to_the_streaming_plugin(tmp_path: Path) -> None:
    from souk.core.settings import JanusSettings
    from souk.media.config import JanusLaunch, render_config

    def streaming(**kw: str) -> str:
        launch = JanusLaunch.from_settings(JanusSettings(**kw), confdir=tmp_path, recordings_dir=tmp_path,
                                           ws_port=1, admin_ws_port=2, api_secret="a", admin_secret="b",
                                           admin_key="c", cores=1)
        return render_config(launch)["janus.plugin.streaming.jcfg"]

    assert "rtp_port_range" not in streaming()
    assert 'rtp_port_range = "45000-45999"' in streaming(relay_port_range="45000-45999")
    with pytest.raises(ValueError):
        JanusSettings(relay_port_range="45000")
