"""Per-merchant data keys (souk.privacy.keys) on SQLite and PostgreSQL: made on first use, rotation keeps old
data readable, master-key rotation re-wraps, crypto-shredding makes everything unreadable, tampering refused."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import sqlalchemy as sa

from souk.core.settings import Settings
from souk.privacy import crypto
from souk.privacy.crypto import CryptoError
from souk.privacy.keys import KeyRing, MasterKey
from souk.privacy.vault import FileVault
from souk.storage import Storage
from souk.storage.repos.merchant_keys import SqlMerchantKeyRepo
from souk.storage.schema import merchant_keys
from tests.contract.storage.conftest import A, B

pytestmark = pytest.mark.usefixtures("two_shops")


def _ring(storage: Storage, master: MasterKey, *old: MasterKey) -> KeyRing:
    return KeyRing(SqlMerchantKeyRepo(storage.db, storage.clock), master, {m.id: m for m in old})


async def test_first_use_makes_one_active_key_per_merchant(storage: Storage) -> None:
    ring = _ring(storage, MasterKey(crypto.new_key()))
    a1, b1 = await ring.active(A), await ring.active(B)
    assert a1[0] != b1[0] and a1[1] != b1[1]
    other = _ring(storage, ring.master)  # a second node: reads the same key, makes none
    assert await other.active(A) == a1
    assert [k.state for k in await ring.keys(A)] == ["active"]
    async with storage.db.read() as conn:
        raw = (await conn.execute(sa.select(merchant_keys.c.wrapped))).scalars().all()
    assert all(a1[1] not in bytes(w) and b1[1] not in bytes(w) for w in raw)  # only wrapped material stored


async def test_rotation_keeps_old_values_readable(storage: Storage) -> None:
    ring = _ring(storage, MasterKey(crypto.new_key()))
    old = await ring.seal_text(A, "transcript", "hola")
    new_id = await ring.rotate(A)
    assert (await ring.active(A))[0] == new_id
    newer = await ring.seal_text(A, "transcript", "adiós")
    assert crypto.value_key_id(newer) == new_id != crypto.value_key_id(old)
    fresh = _ring(storage, ring.master)
    assert await fresh.open_text(A, "transcript", old) == "hola"
    assert await fresh.open_text(A, "transcript", newer) == "adiós"
    assert sorted(k.state for k in await ring.keys(A)) == ["active", "retired"]
    assert await fresh.open_text(A, "transcript", "plain, written before encryption") == \
        "plain, written before encryption"


async def test_values_of_one_merchant_do_not_open_as_another(storage: Storage) -> None:
    ring = _ring(storage, MasterKey(crypto.new_key()))
    sealed = await ring.seal_text(A, "transcript", "hola")
    with pytest.raises(CryptoError):
        await ring.open_text(B, "transcript", sealed)


async def test_master_rotation_rewraps_and_old_master_can_go(storage: Storage) -> None:
    m1, m2 = MasterKey(crypto.new_key()), MasterKey(crypto.new_key())
    sealed = await _ring(storage, m1).seal_text(A, "transcript", "hola")
    without_old = _ring(storage, m2)
    with pytest.raises(CryptoError) as err:
        await without_old.open_text(A, "transcript", sealed)
    assert err.value.code == "master_key_missing"
    assert await _ring(storage, m2, m1).rewrap(A) == 1
    assert await _ring(storage, m2).open_text(A, "transcript", sealed) == "hola"  # m1 no longer needed


async def test_tampered_wrapped_key_refused(storage: Storage) -> None:
    ring = _ring(storage, MasterKey(crypto.new_key()))
    key_id, _ = await ring.active(A)
    async with storage.db.write() as conn:
        row = (await conn.execute(sa.select(merchant_keys.c.wrapped).where(merchant_keys.c.key_id == key_id))).one()
        bad = bytearray(row.wrapped)
        bad[-1] ^= 1
        await conn.execute(merchant_keys.update().where(merchant_keys.c.key_id == key_id).values(wrapped=bytes(bad)))
    with pytest.raises(CryptoError) as err:
        await _ring(storage, ring.master).key(A, key_id)
    assert err.value.code == "key_unwrap_failed"


async def test_shredding_makes_files_and_values_unreadable(storage: Storage, tmp_path: Path) -> None:
    ring = _ring(storage, MasterKey(crypto.new_key()))
    vault = FileVault(ring)
    plain = tmp_path / "a.webm"
    plain.write_bytes(b"\x1aE\xdf\xa3" + b"frames" * 30000)
    sealed_file = await vault.seal(A, plain)
    sealed_text = await ring.seal_text(A, "transcript", "hola")
    b_text = await ring.seal_text(B, "transcript", "hello")
    await ring.rotate(A)
    assert await ring.shred(A) == 2
    fresh = _ring(storage, ring.master)
    for attempt in (fresh.open_text(A, "transcript", sealed_text), FileVault(fresh).read_bytes(A, sealed_file)):
        with pytest.raises(CryptoError) as err:
            await attempt
        assert err.value.code == "key_destroyed"
    assert await fresh.open_text(B, "transcript", b_text) == "hello"  # the other merchant is untouched
    async with storage.db.read() as conn:
        left = (await conn.execute(sa.select(merchant_keys.c.wrapped).where(merchant_keys.c.merchant_id == A)))
        assert all(bytes(w) == b"" for w in left.scalars())
    assert await ring.shred(A) == 0  # idempotent


async def test_vault_round_trip_reencrypt_and_foreign_file(storage: Storage, tmp_path: Path) -> None:
    ring = _ring(storage, MasterKey(crypto.new_key()))
    vault = FileVault(ring)
    data = b"OpusHead" + bytes(i % 253 for i in range(200_000))
    (tmp_path / "A" / "r").mkdir(parents=True)
    plain = tmp_path / "A" / "r" / "x.opus"
    plain.write_bytes(data)
    sealed = await vault.seal(A, plain)
    assert not plain.exists() and sealed.name == "x.opus.enc" and b"OpusHead" not in sealed.read_bytes()
    assert await vault.read_bytes(A, sealed) == data
    opened = await vault.open(A, sealed)
    assert opened.size == len(data) and b"".join(opened.iter_range(70_000, 140_000)) == data[70_000:140_000]
    with pytest.raises(CryptoError) as err:
        await vault.open(B, sealed)
    assert err.value.code == "decrypt_foreign"
    old_key = opened.header.key_id
    await ring.rotate(A)
    # the tree is <root>/<merchant>/...: here the merchant folder is "A" only for the test's layout
    assert await vault.reencrypt(A, sealed) is True and await vault.reencrypt(A, sealed) is False
    assert (await vault.open(A, sealed)).header.key_id != old_key
    assert await vault.read_bytes(A, sealed) == data


def test_master_key_from_settings_file_and_generated(tmp_path: Path) -> None:
    from souk.privacy.keys import master_keys
    key = crypto.new_key()
    f = tmp_path / "mk"
    f.write_text(base64.b64encode(key).decode())
    current, known = master_keys(Settings(data_dir=str(tmp_path / "d"), privacy={"master_key_file": str(f)}))
    assert current.key == key and set(known) == {current.id}
    generated, _ = master_keys(Settings(data_dir=str(tmp_path / "d")))
    again, _ = master_keys(Settings(data_dir=str(tmp_path / "d")))
    assert generated == again and ((tmp_path / "d" / "master_key").stat().st_mode & 0o077) == 0
    from souk.core.errors import ConfigError
    with pytest.raises(ConfigError):
        master_keys(Settings(data_dir=str(tmp_path / "d"), privacy={"master_key": "c2hvcnQ="}))
