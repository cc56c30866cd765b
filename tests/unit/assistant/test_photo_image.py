"""The photo checks read type and size from the bytes: real JPEG/PNG/WebP files, cut and forged headers."""

from __future__ import annotations

import pytest

from souk.assistant.photo_image import PhotoLimits, inspect, sniff
from souk.core.errors import BadRequest, SoukError, TooLarge, UnsupportedMedia
from tests.fixtures.photo_bytes import GIF, HEIC, photo, png, png_header, progressive, vp8x

LIMITS = PhotoLimits()


@pytest.mark.parametrize(("data", "kind", "size"), [
    (photo("bag_64x48.jpg"), "jpeg", (64, 48)),
    (progressive(photo("bag_64x48.jpg")), "jpeg", (64, 48)),
    (png(24, 18), "png", (24, 18)),
    (photo("lossy_40x30.webp"), "webp", (40, 30)),
    (photo("lossless_33x17.webp"), "webp", (33, 17)),
    (vp8x(4000, 3000), "webp", (4000, 3000)),
])
def test_type_and_size_come_from_the_bytes(data: bytes, kind: str, size: tuple[int, int]) -> None:
    info = inspect(data, LIMITS)
    assert (info.kind, (info.width, info.height), info.size) == (kind, size, len(data))
    assert info.mime == f"image/{kind}"


@pytest.mark.parametrize("data", [GIF, HEIC, b"%PDF-1.7\n", b"hello, is this a photo?", b"\x00" * 100,
                                  b"RIFF\x10\x00\x00\x00WAVEfmt "])
def test_other_types_are_refused_415(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as err:
        inspect(data, LIMITS)
    assert err.value.code == "unsupported_image_type" and err.value.details["accepted"] == [
        "image/jpeg", "image/png", "image/webp"]


@pytest.mark.parametrize("data", [
    photo("bag_64x48.jpg")[:20],  # cut before the frame header
    b"\xff\xd8\xff\xda\x00\x08" + b"\x00" * 20,  # scan data with no frame header
    b"\xff\xd8\xff\xe0\x00\x01",  # a segment of impossible length
    png(24, 18)[:20],  # IHDR cut off
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dJUNK" + b"\x00" * 20,
    photo("lossy_40x30.webp")[:24],
    b"RIFF\x10\x00\x00\x00WEBPVP9 " + b"\x00" * 20,  # no VP8/VP8L/VP8X chunk
])
def test_cut_or_forged_headers_are_bad_image(data: bytes) -> None:
    with pytest.raises(BadRequest) as err:
        inspect(data, LIMITS)
    assert err.value.code == "bad_image"


def test_sizes_and_limits() -> None:
    with pytest.raises(BadRequest) as empty:
        inspect(b"", LIMITS)
    assert empty.value.code == "empty_image"
    with pytest.raises(TooLarge) as big:
        inspect(png(24, 18), PhotoLimits(max_bytes=50))
    assert big.value.code == "image_too_large" and big.value.details == {"max_bytes": 50}
    # a tiny file that says it is 60000 x 60000 (a decompression bomb) is refused before anyone decodes it
    with pytest.raises(TooLarge) as bomb:
        inspect(png_header(60_000, 60_000), LIMITS)
    assert bomb.value.code == "image_dimensions_too_large" and bomb.value.details["width"] == 60_000
    with pytest.raises(TooLarge):
        inspect(vp8x(9000, 9000), LIMITS)  # each side within 10000, 81 MP over 50 MP
    assert (inspect(png(1, 1), LIMITS).width, inspect(png(1, 1), LIMITS).height) == (1, 1)  # tiny is a photo
    with pytest.raises(BadRequest) as zero:
        inspect(png_header(0, 100), LIMITS)
    assert zero.value.code == "bad_image"
    assert inspect(vp8x(10_000, 5000), LIMITS).width == 10_000  # at the limits: accepted


def test_every_refusal_is_a_souk_error_with_a_status_kind() -> None:
    from souk.api.errors import http_status

    seen = set()
    for data, limits in [(b"", LIMITS), (GIF, LIMITS), (png(24, 18)[:20], LIMITS), (png(24, 18), PhotoLimits(max_bytes=40)),
                         (png_header(60_000, 20), LIMITS)]:
        with pytest.raises(SoukError) as err:
            inspect(data, limits)
        seen.add((http_status(err.value), err.value.code))
    assert seen == {(400, "empty_image"), (415, "unsupported_image_type"), (400, "bad_image"),
                    (413, "image_too_large"), (413, "image_dimensions_too_large")}
    assert sniff(GIF) is None
