"""Issue 17's Done-when for export and erasure, on the embedded default (SQLite under the data directory, the
embedded broker's SQLite log): a customer seeded in every store is exported (each piece present), erased with
``souk privacy erase --yes``, and then no file under the data directory (SQLite files with their WAL and free
pages included), no table row and no log holds her e-mail, phone, name or ids: only her order rows stay, under
a pseudonym. Another customer's data is untouched. The erasure is in the audit chain, which still verifies."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.privacy.vault import FileVault
from souk.rtm.memory import MemoryBroker
from souk.rtm.sqlite_log import SqliteLog
from souk.storage import open_storage
from tests.integration.privacy.seed_customer import EMILY, LIAM, M, Person, seed


def souk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out and out[-1].startswith("{") else out


async def _seed(data_dir: Path, people: list[Person]) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    broker = MemoryBroker(log=SqliteLog(data_dir / "rtm.db"))
    await broker.start()
    try:
        for p in people:
            await seed(storage, data_dir, p, broker=broker)
        # recordings are encrypted at rest once finished (souk.privacy.vault): one of hers is
        assert storage.keys is not None
        show = data_dir / "recordings" / M / EMILY.room / "show-1"
        await FileVault(storage.keys).seal(M, show / f"{EMILY.customer_id}-1.opus")
    finally:
        await broker.aclose()
        await storage.aclose()


def _raw_hits(data_dir: Path, needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in sorted(data_dir.rglob("*")):
        if f.is_file():
            data = f.read_bytes().lower()
            hits = [n for n in needles if n.lower().encode() in data]
            if hits:
                found[str(f.relative_to(data_dir))] = hits
    return found


def test_export_then_erase_leaves_nothing_but_anonymised_orders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SOUK_DATA_DIR", str(data))
    assert main(["db", "upgrade"]) == 0 and main(["db", "seed-demo"]) == 0
    asyncio.run(_seed(data, [EMILY, LIAM]))
    capsys.readouterr()
    extra = ["--phone", EMILY.phone]

    # export: each piece present
    code, out = souk(capsys, "privacy", "export", "--merchant", M, "--customer", EMILY.customer_id,
                     "--out", str(tmp_path / "out"), "--json", *extra)
    assert code == 0, out
    folder = Path(out["folder"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["identifiers"]["emails"] == [EMILY.email]
    stores = manifest["stores"]
    for name in ("customers", "desk", "calls", "quality", "live_carts", "webhooks", "translation_cache",
                 "rtm_history", "recordings", "data_files", "database", "consent", "captions"):
        assert stores[name].get("records", 0) > 0, (name, stores[name])
    customers = json.loads((folder / "customers.json").read_text())
    assert {r["table"] for r in customers} >= {"customers", "orders", "order_lines", "order_actions"}
    assert any(r["table"] == "orders" and r["id"] == EMILY.order_id for r in customers)
    desk = json.loads((folder / "desk.json").read_text())
    assert EMILY.phone in json.dumps(desk[0]["timeline"]), "the voice transcript is in the export"
    chat = json.loads((folder / "rtm_history.json").read_text())
    assert len(chat) == 3 and {c["message"]["from"] for c in chat} == {EMILY.customer_id, "host-ana"}
    files = sorted(p.relative_to(folder).as_posix() for p in (folder / "files").rglob("*") if p.is_file())
    assert files == [f"files/recordings/recordings/consult-c-501/show-1/{EMILY.customer_id}-1.mjr",
                     f"files/recordings/recordings/consult-c-501/show-1/{EMILY.customer_id}-1.opus",
                     f"files/recordings/recordings/live-1/show-9/{EMILY.customer_id}-2.mjr"]
    opus = folder / "files" / "recordings" / "recordings" / "consult-c-501" / "show-1" / f"{EMILY.customer_id}-1.opus"
    assert opus.read_bytes().startswith(b"OggS"), "the sealed recording is exported in plaintext"
    assert (data / "recordings" / M / EMILY.room / "show-1" / f"{EMILY.customer_id}-1.opus.enc").exists()
    logs = json.loads((folder / "data_files.json").read_text())
    assert [r["file"] for r in logs] == ["logs/souk.log"]
    left = json.loads((folder / "database.json").read_text())
    assert {r["table"] for r in left} >= {"rooms"}

    needles = [EMILY.email, EMILY.name, EMILY.phone, "415 555 0142", EMILY.customer_id, "consult-c-501"]
    assert _raw_hits(data, needles), "seeded data is on disk before the erasure"

    # erase: without --yes nothing happens
    assert main(["privacy", "erase", "--merchant", M, "--customer", EMILY.customer_id]) == 2
    code, view = souk(capsys, "privacy", "erase", "--merchant", M, "--customer", EMILY.customer_id, "--yes",
                      "--json", *extra)
    assert code == 0, json.dumps(view, indent=1)
    assert view["ok"] and view["scan"]["ok"] and not view["failed"]
    assert all(c["ok"] for c in view["compacted"]) and len(view["compacted"]) == 2
    pseudonym = view["pseudonym"]
    assert pseudonym.startswith("anon-") and view["stores"]["customers"]["anonymised"] >= 1

    # every file under the data dir: the SQLite files (WAL, free pages), recordings, logs
    assert _raw_hits(data, [n for n in needles if n != "consult-c-501"]) == {}
    assert not (data / "recordings" / M / "consult-c-501").exists()
    assert "live: room live-1 opened" in (data / "logs" / "souk.log").read_text()

    # the other customer's data is all there
    liam = _raw_hits(data, [LIAM.email, LIAM.name, LIAM.customer_id])
    assert "souk.db" in liam and "rtm.db" in liam and "logs/souk.log" in liam
    assert (data / "recordings" / M / LIAM.room / "show-1" / f"{LIAM.customer_id}-1.mjr").exists()

    # the order stays, anonymised; the audit chain records the erasure and verifies
    asyncio.run(_check_kept(data, pseudonym))
    code, verdict = souk(capsys, "audit", "verify", "--merchant", M, "--json")
    assert code == 0 and verdict["ok"]

    # a second erasure finds nothing of her; a scan with her identifiers finds nothing
    code, out = souk(capsys, "privacy", "scan", "--merchant", M, "--customer", EMILY.customer_id, "--json",
                     "--email", EMILY.email, "--name", EMILY.name, *extra)
    assert code == 0 and out["ok"], out


async def _check_kept(data: Path, pseudonym: str) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data)))
    try:
        order = await storage.orders.get(M, EMILY.order_id)
        assert order.customer_id == pseudonym
        customer = await storage.customers.get(M, pseudonym)
        assert customer.email == f"{pseudonym}@erased.invalid" and customer.name == "[erased]"
        found = await storage.audit.search(M, _query(action="privacy.erase"))
        assert len(found) == 1 and found[0].detail["pseudonym"] == pseudonym
        assert found[0].object_id.startswith("ref-") and EMILY.customer_id not in json.dumps(found[0].detail)
    finally:
        await storage.aclose()


def _query(**kw: Any) -> Any:
    from souk.domain.audit import AuditQuery

    return AuditQuery(**kw)
