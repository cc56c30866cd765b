"""JSON and text log lines with their context ids, levels per logger, and secrets masked in every line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from souk.core.logctx import bind, log_ids, log_scope
from souk.core.logging import configure_logging
from souk.core.logsettings import LoggingSettings
from souk.core.secrets_filter import forget_secrets, register_secret, register_settings_secrets, scrub
from souk.core.settings import load_settings


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    forget_secrets()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_scope_ids(out: io.StringIO) -> None:
    configure_logging("INFO", LoggingSettings(format="json"), stream=out)
    log = logging.getLogger("souk.test")
    log.info("outside")
    with log_scope(request_id="req_1"):
        bind(merchant="m1", room="room_a")
        log.warning("inside %s", "x", extra={"status": 201})
        with log_scope(call="call_9"):
            log.info("nested")
        log.info("after")
    first, inside, nested, after = lines(out)
    assert set(first) == {"ts", "level", "logger", "msg"} and first["msg"] == "outside"
    assert str(first["ts"]).endswith("Z")
    assert inside == {**inside, "level": "WARNING", "logger": "souk.test", "msg": "inside x", "merchant": "m1",
                      "room": "room_a", "request_id": "req_1", "status": 201}
    assert nested["call"] == "call_9" and nested["merchant"] == "m1"
    assert "call" not in after


def test_text_lines_name_the_ids_before_a_traceback(out: io.StringIO) -> None:
    configure_logging("INFO", LoggingSettings(format="text"), stream=out)
    with log_scope(merchant="m1", conversation="conv_1"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("souk.t").exception("failed")
    head, *rest = out.getvalue().splitlines()
    assert head.endswith("ERROR souk.t: failed [merchant=m1 conversation=conv_1]")
    assert rest[-1] == "RuntimeError: boom"


def test_auto_format_is_text_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    from souk.core.logging import use_json
    assert use_json(LoggingSettings(), io.StringIO()) is True
    assert use_json(LoggingSettings(), Tty()) is False
    assert use_json(LoggingSettings(format="json"), Tty()) is True


def test_levels_per_logger(out: io.StringIO) -> None:
    cfg = LoggingSettings(format="json", levels={"souk.quiet": "error", "souk.loud": "DEBUG"})
    configure_logging("INFO", cfg, stream=out)
    logging.getLogger("souk.quiet.sub").warning("dropped")
    logging.getLogger("souk.loud").debug("kept")
    logging.getLogger("souk.other").debug("dropped too")
    assert [line["msg"] for line in lines(out)] == ["kept"]
    with pytest.raises(ValueError, match="unknown level"):
        LoggingSettings(levels={"souk": "LOUD"})


async def test_a_bind_in_a_worker_thread_reaches_the_request_scope() -> None:
    # FastAPI runs plain `def` dependencies in a thread with a copy of the context: the scope is shared
    with log_scope(request_id="req_2") as scope:
        await asyncio.to_thread(bind, merchant="m2")
        assert scope["merchant"] == "m2" and log_ids()["merchant"] == "m2"
    assert log_ids() == {}
    with pytest.raises(ValueError, match="unknown log context ids"):
        bind(shopper="x")


JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzaG9wcGVyIiwibWlkIjoiZGVtbyJ9."
       "n4KkYVqBq3OZa1ZyqQfS8JwTzF0v4gk2a3HyBq0Xz9M")


@pytest.mark.parametrize(("text", "secret"), [
    (f"GET /v1/signal?token={JWT}&join=room_1", JWT),
    (f"claims for {JWT} rejected", JWT),
    ("key sk_1a2b3c4d5e6f_Qk9wz3K1vXcE2mTt8LrYpA7sNd4uHgJf0bVxZ5yWq1o used", "Qk9wz3K1vXcE2mTt8LrYpA7sNd4uHgJf"),
    ("endpoint secret whsec_Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcg ok", "Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcg"),
    ("Authorization: Bearer abcdef.ghijkl-123", "abcdef.ghijkl-123"),
    ("postgresql+asyncpg://souk:hunter2pass@db:5432/souk", "hunter2pass"),
    ("redis://:s3cretpass@127.0.0.1:6379/0", "s3cretpass"),
    ('{"urls": ["turn:1.2.3.4"], "username": "1700:u", "credential": "q5Z+Kd/8x=="}', "q5Z+Kd/8x=="),
    ("{'api_key': 'abc123def456', 'model': 'x'}", "abc123def456"),
    ("webhook signature=deadbeefcafe; t=1", "deadbeefcafe"),
    ("apisecret=janusApiSecret9 transaction=1", "janusApiSecret9"),
])
def test_scrub_masks_secret_shapes(text: str, secret: str) -> None:
    cleaned = scrub(text)
    assert secret not in cleaned
    assert "[redacted]" in cleaned or "[token]" in cleaned


def test_scrub_keeps_ordinary_text() -> None:
    for text in ("GET /v1/consults/call_12ab 200 3.1ms", "join room_abc as shopper_1", "token expired",
                 "tokens minted: 3", "the key point is price"):
        assert scrub(text) == text


def test_registered_and_settings_secrets_are_masked(out: io.StringIO) -> None:
    settings = load_settings(None, auth={"token_secret": "Sx9-verylongsigningsecret"},
                             agent={"llm_api_key": "plainkeywithoutprefix42"})
    assert register_settings_secrets(settings) == 2
    register_secret(SecretStr("generated-janus-secret"))
    register_secret("short")  # too short to mask safely: ignored
    configure_logging("INFO", LoggingSettings(format="json"), stream=out)
    log = logging.getLogger("souk.t")
    log.info("secret %s and key %s", "Sx9-verylongsigningsecret", "plainkeywithoutprefix42")
    try:
        raise ValueError("bad generated-janus-secret")
    except ValueError:
        log.exception("with a traceback")
    text = out.getvalue()
    for secret in ("Sx9-verylongsigningsecret", "plainkeywithoutprefix42", "generated-janus-secret"):
        assert secret not in text
    assert len(lines(out)) == 2


def test_sql_parameters_and_rows_are_hidden(out: io.StringIO) -> None:
    engine = logging.getLogger("sqlalchemy.engine.Engine")
    before = engine.level
    configure_logging("DEBUG", LoggingSettings(format="json", levels={"sqlalchemy.engine.Engine": "DEBUG"}),
                      stream=out)
    try:
        engine.info("INSERT INTO webhook_endpoints (secret) VALUES (?)")
        engine.info("[%s] %r", "generated in 0.1s", ("lumen", "merchant-chosen-secret"))
        engine.debug("Row %r", ("lumen", "merchant-chosen-secret"))
        logging.getLogger("aiosqlite").debug("executing %s", "partial(..., ('merchant-chosen-secret',))")
    finally:
        engine.setLevel(before)
    msgs = [line["msg"] for line in lines(out)]
    assert msgs == ["INSERT INTO webhook_endpoints (secret) VALUES (?)", "[generated in 0.1s] [parameters hidden]",
                    "Row [hidden]", "executing [statement hidden]"]
