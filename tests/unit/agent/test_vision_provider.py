"""The OpenAI-compatible vision provider against a local fake server: the request it sends, how it reads the
answer, and each failure as the SoukError it promises."""

from __future__ import annotations

import socket

import pytest

from souk.agent.providers.vision import MAX_DESCRIPTION_CHARS, OpenAiVision, parse_description
from souk.core.errors import BadRequest, Timeout, Unavailable
from tests.fixtures.fake_vision import fake_vision, hang, malformed, photo_of, says, status
from tests.fixtures.photo_bytes import png


@pytest.mark.parametrize(("content", "keywords"), [
    ("wireless earbuds, white", "wireless earbuds, white"),
    ('\n  "Keywords: linen dress, beige, summer".\nIt looks new.', "linen dress, beige, summer"),
    ("NONE", None), ("none.", None), ("  ", None), ("**NONE**", None),
    ("x" * 1000, "x" * MAX_DESCRIPTION_CHARS),
])
def test_the_answer_becomes_keywords(content: str, keywords: str | None) -> None:
    assert parse_description(content) == keywords


async def test_the_request_carries_the_photo_and_the_model() -> None:
    image = png(20, 20)
    async with fake_vision(says("ceramic mug, blue")) as fake:
        vision = OpenAiVision(fake.url, model="vis-1", api_key="k-1", timeout_s=2.0)
        described = await vision.describe(image, "image/png")
        await vision.aclose()
    assert described.keywords == "ceramic mug, blue" and described.model == "vis-1" and described.ms > 0
    body = fake.requests[0]
    assert body["model"] == "vis-1" and body["stream"] is False and photo_of(body) == ("image/png", image)
    assert body["messages"][0]["role"] == "system" and "NONE" in body["messages"][0]["content"]
    assert fake.headers[0]["Authorization"] == "Bearer k-1"


@pytest.mark.parametrize(("answer", "error", "code"), [
    (status(503), Unavailable, "vision_unavailable"), (status(429), Unavailable, "vision_unavailable"),
    (status(400), BadRequest, "vision_refused"), (malformed(), Unavailable, "vision_malformed"),
    (says(""), None, None), (hang(3.0), Timeout, "vision_timeout"),
])
async def test_failures_are_souk_errors(answer: object, error: type[Exception] | None, code: str | None) -> None:
    async with fake_vision(answer) as fake:  # type: ignore[arg-type]
        vision = OpenAiVision(fake.url, model="m", timeout_s=0.5)
        if error is None:
            assert (await vision.describe(png(20, 20), "image/png")).keywords is None
        else:
            with pytest.raises(error) as err:
                await vision.describe(png(20, 20), "image/png")
            assert err.value.code == code  # type: ignore[attr-defined]
        await vision.aclose()
    if error is Timeout:
        assert isinstance(err.value, TimeoutError)  # callers may catch the built-in


async def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    vision = OpenAiVision(f"http://127.0.0.1:{port}/v1", model="m", timeout_s=1.0)
    with pytest.raises(Unavailable) as err:
        await vision.describe(png(20, 20), "image/png")
    await vision.aclose()
    assert err.value.code == "vision_unavailable"


async def test_settings_choose_the_provider() -> None:
    from souk.assistant.photo import limits_from_settings, vision_from_settings
    from souk.core.errors import ConfigError
    from souk.core.settings import Settings

    assert vision_from_settings(Settings()) is None  # no provider: the assistant says photos need one
    vision = vision_from_settings(Settings(agent={"vision_base_url": "http://127.0.0.1:9/v1", "vision_model": "v"}))
    assert isinstance(vision, OpenAiVision) and vision.model == "v"
    await vision.aclose()
    with pytest.raises(ConfigError):
        vision_from_settings(Settings(agent={"vision_base_url": "http://127.0.0.1:9/v1"}))
    limits = limits_from_settings(Settings(agent={"photo_max_bytes": 2048, "photo_max_side": 640}))
    assert (limits.max_bytes, limits.max_side, limits.max_pixels) == (2048, 640, 50_000_000)
