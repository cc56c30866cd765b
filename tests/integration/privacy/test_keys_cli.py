"""``souk privacy keys|rotate-key|rewrap-keys|shred-keys|region`` on the embedded default: a merchant's
transcripts and a recording encrypted at rest, a rotation with re-encryption (everything under the new key,
still readable), a master-key rotation (re-wrap, then the old master is not needed), crypto-shredding
(confirmation required; afterwards nothing of the merchant decrypts)."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.privacy import crypto
from souk.privacy.crypto import CryptoError
from souk.privacy.vault import FileVault
from souk.storage import open_storage
from souk.storage.schema import desk_events
from tests.contract.storage.test_desk_store import convo, lifecycle

M = "lumen"


def souk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out and out[-1].startswith("{") else out


def _recording(data_dir: Path) -> Path:
    return data_dir / "recordings" / M / "live-1" / "s1" / "hana-1.webm"


async def _seed(data_dir: Path) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        await storage.desk.create(convo(M))
        await storage.desk.append(M, "c1", lifecycle()[:3])
        assert storage.keys is not None
        f = _recording(data_dir)
        f.parent.mkdir(parents=True)
        f.write_bytes(b"\x1aE\xdf\xa3 webm" + bytes(100_000))
        await FileVault(storage.keys).seal(M, f)
    finally:
        await storage.aclose()


async def _state(data_dir: Path) -> tuple[set[str], bytes | str, list[Any] | str]:
    """(key ids the stored bodies name, the recording's plaintext or the error code, the events or the error code)"""
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        assert storage.keys is not None
        async with storage.db.read() as conn:
            bodies = (await conn.execute(sa.select(desk_events.c.body))).scalars().all()
        ids = {crypto.value_key_id(b) for b in bodies}
        try:
            media: bytes | str = await FileVault(storage.keys).read_bytes(
                M, _recording(data_dir).with_name("hana-1.webm.enc"))
        except CryptoError as exc:
            media = exc.code
        try:
            events: list[Any] | str = [e for _, e in await storage.desk.events(M, "c1")]
        except CryptoError as exc:
            events = exc.code
        return ids, media, events
    finally:
        await storage.aclose()


def test_rotate_reencrypt_rewrap_and_shred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0 and main(["db", "seed-demo"]) == 0
    capsys.readouterr()
    asyncio.run(_seed(tmp_path))
    ids, media, events = asyncio.run(_state(tmp_path))
    [first] = ids
    assert media == b"\x1aE\xdf\xa3 webm" + bytes(100_000) and events == lifecycle()[:3]

    code, out = souk(capsys, "privacy", "rotate-key", "--merchant", M, "--reencrypt", "--json")
    assert code == 0 and out["recordings"] == 1 and out["desk_events"] == 3, out
    ids, media, events = asyncio.run(_state(tmp_path))
    assert ids == {out["key_id"]} != {first} and events == lifecycle()[:3] and isinstance(media, bytes)
    code, out = souk(capsys, "privacy", "keys", "--merchant", M, "--json")
    assert code == 0 and sorted(k["state"] for k in out["keys"]) == ["active", "retired"]

    # the master key moves: the old one stays a previous key until every data key is wrapped again
    old = (tmp_path / "master_key").read_text().strip()
    new = base64.b64encode(crypto.new_key()).decode()
    monkeypatch.setenv("SOUK_PRIVACY__MASTER_KEY", new)
    monkeypatch.setenv("SOUK_PRIVACY__PREVIOUS_MASTER_KEYS", json.dumps([old]))
    code, out = souk(capsys, "privacy", "rewrap-keys", "--json")
    assert code == 0 and out["rewrapped"][M] == 2, out
    monkeypatch.delenv("SOUK_PRIVACY__PREVIOUS_MASTER_KEYS")
    (tmp_path / "master_key").unlink()  # gone for good: the new master alone opens everything
    ids, media, events = asyncio.run(_state(tmp_path))
    assert events == lifecycle()[:3] and isinstance(media, bytes)

    assert main(["privacy", "shred-keys", "--merchant", M]) != 0  # no --yes: refused, nothing lost
    capsys.readouterr()
    assert asyncio.run(_state(tmp_path))[2] == lifecycle()[:3]
    code, out = souk(capsys, "privacy", "shred-keys", "--merchant", M, "--yes", "--json")
    assert code == 0 and out["destroyed"] == 2
    _, media, events = asyncio.run(_state(tmp_path))
    assert media == "key_destroyed" and events == "key_destroyed"
    code, out = souk(capsys, "privacy", "region", "--merchant", M, "--json")
    assert code == 0 and out == {"merchant": M, "data_region": ""}
