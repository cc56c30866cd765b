"""Janus's event handler pointed at Souk (souk.media.evh, souk.media.config): the sampleevh config, the events
secret, and media statistics parsed from Janus's event JSON (the shape Janus 1.1 posts)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from souk.core.errors import BadRequest
from souk.core.settings import JanusSettings, Settings
from souk.media.config import JanusLaunch, render_config
from souk.media.evh import load_events_secret, parse_media_stats
from souk.media.supervisor import events_url

# A media event as Janus 1.1.2's core emits it every stats_period (type 32, janus_ice.c)
MEDIA = {"emitter": "souk", "type": 32, "subtype": 3, "timestamp": 1765063623000000, "session_id": 111,
         "handle_id": 222, "opaque_id": None,
         "event": {"mid": "0", "mindex": 0, "media": "audio", "codec": "opus", "base": 48000, "rtt": 12,
                   "lost": 3, "lost-by-remote": 1, "jitter-local": 2, "jitter-remote": 4, "in-link-quality": 100,
                   "in-media-link-quality": 98, "out-link-quality": 100, "out-media-link-quality": 100,
                   "packets-received": 250, "packets-sent": 0, "bytes-received": 20000, "bytes-sent": 0,
                   "bytes-received-lastsec": 4000, "bytes-sent-lastsec": 0, "nacks-received": 0, "nacks-sent": 2}}


def _launch(**kw: object) -> JanusLaunch:
    base = JanusLaunch.from_settings(
        JanusSettings(), confdir=Path("/srv/conf"), recordings_dir=Path("/srv/rec"), ws_port=8188,
        admin_ws_port=7188, api_secret="a", admin_secret="b", admin_key="c", cores=1)
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_no_events_url_no_event_handler() -> None:
    files = render_config(_launch())
    assert "janus.eventhandler.sampleevh.jcfg" not in files
    assert "broadcast = false" in files["janus.jcfg"]


def test_sampleevh_posts_media_events_to_souk_with_basic_auth() -> None:
    files = render_config(_launch(events_url="http://127.0.0.1:8080/v1/quality/janus-events", events_user="janus",
                                  events_secret="s3cret", stats_period_s=5))
    evh = files["janus.eventhandler.sampleevh.jcfg"]
    for line in ('enabled = true', 'events = "media"', 'grouping = true', 'json = "plain"',
                 'backend = "http://127.0.0.1:8080/v1/quality/janus-events"', 'backend_user = "janus"',
                 'backend_pwd = "s3cret"'):
        assert line in evh, line
    core = files["janus.jcfg"]
    assert "broadcast = true" in core and "stats_period = 5" in core
    disabled = core.split("events: {", 1)[1]
    assert "libjanus_sampleevh.so" not in disabled.split("}", 1)[0] and "libjanus_wsevh.so" in disabled


def test_events_url_is_this_souk_on_loopback() -> None:
    assert events_url(Settings(server={"host": "0.0.0.0", "port": 8080})) == \
        "http://127.0.0.1:8080/v1/quality/janus-events"
    assert events_url(Settings(server={"host": "10.1.2.3", "port": 9000})) == \
        "http://10.1.2.3:9000/v1/quality/janus-events"
    assert events_url(Settings(server={"host": "::1", "port": 9000})) == "http://[::1]:9000/v1/quality/janus-events"


def test_events_secret_generated_once_owner_only(tmp_path: Path) -> None:
    s = Settings(data_dir=str(tmp_path))
    first = load_events_secret(s)
    assert len(first) >= 32 and load_events_secret(s) == first
    assert os.stat(tmp_path / "janus_events_secret").st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["janus_events_secret"]  # no temporary file left
    assert load_events_secret(Settings(data_dir=str(tmp_path), quality={"janus_events_secret": "set"})) == "set"


def test_media_stats_parsed_and_other_events_ignored() -> None:
    state = {"type": 32, "session_id": 111, "handle_id": 222, "event": {"media": "video", "receiving": False}}
    webrtc = {"type": 16, "session_id": 111, "handle_id": 222, "event": {"connection": "webrtcup"}}
    stats, ignored = parse_media_stats([MEDIA, state, webrtc])
    [st] = stats
    assert (st.session_id, st.handle_id, st.medium, st.codec, st.timestamp_us) == (111, 222, "audio", "opus",
                                                                                  1765063623000000)
    assert st.stats["lost"] == 3 and st.stats["rtt"] == 12 and st.stats["jitter-remote"] == 4
    assert "mid" not in st.stats and "base" not in st.stats
    assert ignored == 2
    assert parse_media_stats(MEDIA)[0] == stats  # one event, not grouped


@pytest.mark.parametrize("body", [[1, 2], "text", [MEDIA] * 1001])
def test_bad_bodies(body: object) -> None:
    with pytest.raises(BadRequest) as e:
        parse_media_stats(body)
    assert e.value.code == "bad_events"
