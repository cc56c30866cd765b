"""What a shopper's photo is, read from its first bytes: JPEG, PNG or WebP, and its pixel size.

Pure functions over bytes (no image library): the type comes from the magic bytes, never from the client's
``Content-Type``; the size from the format's header (JPEG's SOFn segment, PNG's IHDR, WebP's VP8/VP8L/VP8X
chunk). What the checks refuse, with the code each answers (docs/agent.md, "Photo questions"):

- ``400 empty_image``: no bytes at all;
- ``413 image_too_large``: more bytes than the limit (the REST body cap of the photo route says the same);
- ``415 unsupported_image_type``: not a JPEG, PNG or WebP by its magic bytes (GIF, HEIC, PDF, text ...);
- ``400 bad_image``: a JPEG/PNG/WebP whose header is cut off or holds no usable size (a side of 0);
- ``413 image_dimensions_too_large``: a side over ``max_side`` or more than ``max_pixels`` pixels (a
  decompression bomb is refused before anyone decodes it).

A tiny photo is not refused: it is a photo, and the vision model says when it shows nothing to search for.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

from souk.core.errors import BadRequest, TooLarge, UnsupportedMedia

ImageKind = Literal["jpeg", "png", "webp"]
MIME: dict[ImageKind, str] = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers that carry the size: SOF0-3, 5-7, 9-11, 13-15 (not DHT C4, JPG C8, DAC CC)
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length field


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int = 5 * 1024 * 1024
    max_side: int = 10_000
    max_pixels: int = 50_000_000


@dataclass(frozen=True, slots=True)
class ImageInfo:
    kind: ImageKind
    width: int
    height: int
    size: int  # bytes

    @property
    def mime(self) -> str:
        return MIME[self.kind]


def sniff(data: bytes) -> ImageKind | None:
    """The image type by its magic bytes; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG:
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _bad(why: str) -> BadRequest:
    return BadRequest(f"the image could not be read: {why}", code="bad_image")


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the first SOFn segment, walking the segments after SOI."""
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise _bad("JPEG segments out of step")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before the data
            raise _bad("JPEG without a frame header")
        if i + 2 > n:
            break
        (length,) = struct.unpack_from(">H", data, i)
        if length < 2:
            raise _bad("JPEG segment of impossible length")
        if marker in _SOF:
            if i + 7 > n:
                break
            height, width = struct.unpack_from(">HH", data, i + 3)
            return width, height
        i += length
    raise _bad("JPEG cut off before its frame header")


def png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise _bad("PNG without its IHDR header")
    width, height = struct.unpack_from(">II", data, 16)
    return width, height


def webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    body = data[20:]
    if chunk == b"VP8 ":  # lossy: frame tag (3), start code 9d 01 2a, then 14-bit width and height
        if len(body) < 10 or body[3:6] != b"\x9d\x01\x2a":
            raise _bad("WebP (VP8) frame header missing")
        w, h = struct.unpack_from("<HH", body, 6)
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":  # lossless: signature 0x2f, then 14 bits width-1, 14 bits height-1
        if len(body) < 5 or body[0] != 0x2F:
            raise _bad("WebP (VP8L) header missing")
        (bits,) = struct.unpack_from("<I", body, 1)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":  # extended: flags (1), reserved (3), canvas width-1 and height-1 (24 bits each)
        if len(body) < 10:
            raise _bad("WebP (VP8X) header cut off")
        return int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1
    raise _bad("WebP without a VP8, VP8L or VP8X chunk")


_SIZE = {"jpeg": jpeg_size, "png": png_size, "webp": webp_size}


def inspect(data: bytes, limits: PhotoLimits) -> ImageInfo:
    """The photo's type and size, or the error that says what is wrong with it."""
    if not data:
        raise BadRequest("send the photo's bytes as the request body", code="empty_image")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"photos are limited to {limits.max_bytes} bytes", code="image_too_large",
                       details={"max_bytes": limits.max_bytes})
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMedia("photos must be JPEG, PNG or WebP", code="unsupported_image_type",
                               details={"accepted": sorted(MIME.values())})
    width, height = _SIZE[kind](data)
    if width == 0 or height == 0:
        raise _bad(f"the header says {width}x{height} pixels")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise TooLarge(f"the photo is {width}x{height} pixels; at most {limits.max_side} a side and "
                       f"{limits.max_pixels} pixels", code="image_dimensions_too_large",
                       details={"width": width, "height": height, "max_side": limits.max_side,
                                "max_pixels": limits.max_pixels})
    return ImageInfo(kind, width, height, len(data))
