"""The envelope formats of souk.privacy.crypto: round trips, ranges, and every kind of damage refused."""

from __future__ import annotations

import io

import pytest

from souk.privacy import crypto
from souk.privacy.crypto import CryptoError


def _sealed(data: bytes, *, chunk: int = 16, merchant: str = "m1", key: bytes | None = None) -> tuple[bytes, bytes]:
    key = key or crypto.new_key()
    out = io.BytesIO()
    header = crypto.file_header(merchant, "k1", "recording", chunk=chunk)
    assert crypto.encrypt_stream(key, header, io.BytesIO(data), out) == len(data)
    return key, out.getvalue()


def _open(key: bytes, blob: bytes, start: int = 0, end: int | None = None) -> bytes:
    fh = io.BytesIO(blob)
    header = crypto.read_header(fh)
    return b"".join(crypto.decrypt_range(key, header, fh, len(blob), start, end))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 32, 100])
def test_file_round_trip_any_size(size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    key, blob = _sealed(data)
    assert _open(key, blob) == data
    assert crypto.read_header(io.BytesIO(blob)).plain_size(len(blob)) == size


def test_no_plaintext_and_header_names_the_key() -> None:
    data = b"\x1aE\xdf\xa3webm header OpusHead" * 50
    _, blob = _sealed(data)
    assert b"webm" not in blob and b"OpusHead" not in blob and b"\x1aE\xdf\xa3" not in blob
    h = crypto.read_header(io.BytesIO(blob))
    assert (h.merchant_id, h.key_id, h.purpose) == ("m1", "k1", "recording")


@pytest.mark.parametrize(("start", "end"), [(0, 5), (5, 40), (16, 32), (31, 33), (90, None), (99, 100), (50, 50)])
def test_ranges_read_only_what_is_asked(start: int, end: int | None) -> None:
    data = bytes(i % 251 for i in range(100))
    key, blob = _sealed(data)
    assert _open(key, blob, start, end) == data[start:end]


def test_tampered_byte_detected() -> None:
    key, blob = _sealed(b"x" * 100)
    bad = bytearray(blob)
    bad[-20] ^= 1
    with pytest.raises(CryptoError):
        _open(key, bytes(bad))


def test_truncated_at_chunk_boundary_detected() -> None:
    key, blob = _sealed(b"y" * 64, chunk=16)
    header = crypto.read_header(io.BytesIO(blob))
    cut = blob[: header.offset + 2 * (16 + crypto.TAG)]  # two whole chunks of four: the last is not final
    with pytest.raises(CryptoError):
        _open(key, cut)


def test_reordered_chunks_detected() -> None:
    key, blob = _sealed(b"a" * 16 + b"b" * 16 + b"c" * 5, chunk=16)
    header = crypto.read_header(io.BytesIO(blob))
    size = 16 + crypto.TAG
    o = header.offset
    swapped = blob[:o] + blob[o + size:o + 2 * size] + blob[o:o + size] + blob[o + 2 * size:]
    with pytest.raises(CryptoError):
        _open(key, swapped)


def test_wrong_key_refused() -> None:
    _, blob = _sealed(b"secret" * 10)
    with pytest.raises(CryptoError):
        _open(crypto.new_key(), blob)


def test_header_of_another_merchant_does_not_open() -> None:
    key, blob = _sealed(b"secret" * 10, merchant="m1")
    forged = blob.replace(b'"m":"m1"', b'"m":"m2"')
    assert forged != blob
    with pytest.raises(CryptoError):
        _open(key, forged)


def test_not_ours_is_malformed() -> None:
    with pytest.raises(CryptoError) as err:
        crypto.read_header(io.BytesIO(b"\x1aE\xdf\xa3 plain webm"))
    assert err.value.code == "decrypt_malformed"


def test_values_round_trip_and_bind_merchant_and_purpose() -> None:
    key = crypto.new_key()
    sealed = crypto.seal_value(key, "k7", "m1", "transcript", "call me at +34 600 111 222")
    assert crypto.is_sealed(sealed) and crypto.value_key_id(sealed) == "k7" and "600" not in sealed
    assert crypto.open_value(key, "m1", "transcript", sealed) == "call me at +34 600 111 222"
    for merchant, purpose in (("m2", "transcript"), ("m1", "caption")):
        with pytest.raises(CryptoError):
            crypto.open_value(key, merchant, purpose, sealed)
    with pytest.raises(CryptoError):
        crypto.open_value(crypto.new_key(), "m1", "transcript", sealed)
    tampered = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(CryptoError):
        crypto.open_value(key, "m1", "transcript", tampered)
