"""``souk audit verify`` and ``souk privacy purge|retention`` on the embedded default (SQLite under the data
directory): an intact chain verifies and prints its head, a changed row exits 1 naming it, retention days are
set and shown, a purge deletes what is past retention once and records it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.domain.audit import GENESIS, AuditEvent, next_entry
from souk.privacy.audit import AuditLog
from souk.rtm.broker import Draft
from souk.rtm.envelope import Kind
from souk.rtm.memory import MemoryBroker
from souk.rtm.sqlite_log import SqliteLog
from souk.storage import open_storage
from souk.storage.schema import audit_heads, audit_log, quality_records


def souk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out and out[-1].startswith("{") else out


async def _seed(data_dir: Path) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        log = AuditLog(storage.audit)
        for i in range(3):
            await log.record("lumen", actor="ana", role="agent", action="conversation.read",
                             object_kind="conversation", object_id=f"c{i}")
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=50)
        async with storage.db.write() as conn:
            await conn.execute(quality_records.insert().values(
                merchant_id="lumen", room_id="r", identity="u", session_id="s", kind="call", started_at=old,
                updated_at=old, failure=None, record={}))
    finally:
        await storage.aclose()
    now = dt.datetime.now(dt.UTC).timestamp()  # chat: one message past the default 365 days, one recent
    rtm = MemoryBroker(log=SqliteLog(data_dir / "rtm.db"))
    await rtm.start()
    try:
        for ts, text in ((now - 400 * 86_400, "old"), (now - 86_400, "recent")):
            await rtm.publish(Draft(key="lumen/live-1", ch="live-1", id="", kind=Kind.CHAT, body={"text": text},
                                    sender="u1", ts=ts))
    finally:
        await rtm.aclose()


async def _chat(data_dir: Path) -> list[str]:
    rtm = MemoryBroker(log=SqliteLog(data_dir / "rtm.db"))
    await rtm.start()
    try:
        return [json.loads(raw)["b"]["text"] for _, raw in await rtm.history("lumen/live-1", since=None, limit=9)]
    finally:
        await rtm.aclose()


async def _forge(data_dir: Path) -> None:
    """Rewrite the whole chain consistently (what someone with write access to every table could do)."""
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        rows = await storage.audit.page("lumen", 0, 100)
        seq, digest = 0, GENESIS
        async with storage.db.write() as conn:
            for e in rows:
                ev = AuditEvent(e.actor, e.role, e.action, e.object_kind,
                                "c-forged" if e.seq == 2 else e.object_id, dict(e.detail))
                new = next_entry("lumen", seq, digest, e.at_us, ev)
                await conn.execute(audit_log.update().where(audit_log.c.merchant_id == "lumen",
                                                            audit_log.c.seq == e.seq)
                                   .values(object_id=new.object_id, prev_hash=new.prev_hash, hash=new.hash))
                seq, digest = new.seq, new.hash
            await conn.execute(audit_heads.update().where(audit_heads.c.merchant_id == "lumen")
                               .values(seq=seq, hash=digest))
    finally:
        await storage.aclose()


async def _tamper(data_dir: Path) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        async with storage.db.write() as conn:
            await conn.execute(audit_log.update().where(audit_log.c.seq == 2).values(object_id="c9"))
    finally:
        await storage.aclose()


def test_audit_verify_and_privacy_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0 and main(["db", "seed-demo"]) == 0
    capsys.readouterr()
    asyncio.run(_seed(tmp_path))

    code, out = souk(capsys, "audit", "verify", "--json")
    assert code == 0 and out["ok"] and out["chains"][0]["merchant_id"] == "lumen"
    assert out["chains"][0]["head_seq"] == 3 and len(out["chains"][0]["head_hash"]) == 64
    noted = f"3:{out['chains'][0]['head_hash']}"
    code, text = souk(capsys, "audit", "verify", "--merchant", "lumen")
    assert code == 0 and text[0].startswith("lumen\tok\t3 entries\thead 3 ")

    assert souk(capsys, "privacy", "retention", "set", "--merchant", "lumen", "quality_records", "30")[0] == 0
    code, out = souk(capsys, "privacy", "retention", "show", "--merchant", "lumen", "--json")
    assert out["retention"]["quality_records"] == {"days": 30, "own": True}
    assert out["retention"]["recordings"]["own"] is False
    assert main(["privacy", "retention", "set", "--merchant", "lumen", "quality_records", "0"]) == 2
    capsys.readouterr()

    code, out = souk(capsys, "privacy", "purge", "--json")
    assert code == 0 and out["deleted"] == 2
    assert {"merchant_id": "lumen", "kind": "quality_records", "deleted": 1} in out["purged"]
    assert {"merchant_id": "lumen", "kind": "chat_history", "deleted": 1} in out["purged"]  # rtm.db
    assert out["skipped"] == []  # transcripts: the live captions (desk transcripts go with their conversation)
    assert asyncio.run(_chat(tmp_path)) == ["recent"]
    code, out = souk(capsys, "privacy", "purge", "--json")
    assert code == 0 and out["deleted"] == 0  # idempotent

    code, out = souk(capsys, "audit", "verify", "--json")  # the purges are in the chain, which verifies
    assert code == 0 and out["chains"][0]["head_seq"] == 5

    code, out = souk(capsys, "audit", "verify", "--merchant", "lumen", "--expect", noted, "--json")
    assert code == 0 and out["ok"] and out["rewritten"] == []
    asyncio.run(_forge(tmp_path))
    code, out = souk(capsys, "audit", "verify", "--json")  # a consistent rewrite passes on its own ...
    assert code == 0 and out["ok"]
    code, out = souk(capsys, "audit", "verify", "--merchant", "lumen", "--expect", noted, "--json")
    assert code == 1 and not out["ok"] and "rewritten" in out["rewritten"][0]  # ... but not against a noted head
    assert main(["audit", "verify", "--expect", noted]) == 2  # --expect needs --merchant
    assert main(["audit", "verify", "--merchant", "lumen", "--expect", "3:xyz"]) == 2
    capsys.readouterr()

    asyncio.run(_tamper(tmp_path))
    code, out = souk(capsys, "audit", "verify", "--json")
    assert code == 1 and not out["ok"]
    assert out["chains"][0]["findings"][0] == {"seq": 2, "problem": "tampered",
                                               "message": "row 2's content does not match its hash"}
    assert main(["audit", "verify", "--merchant", "nobody"]) == 2

