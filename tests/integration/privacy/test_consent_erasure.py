"""Consent records in export and erasure (docs/privacy.md "Consent"): the export of a customer holds every
consent record given under their customer id or any of their token identities; erasure deletes exactly those
(another customer's stay), through the CLI on the embedded default."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.domain.consent import Channel, ConsentKind
from souk.privacy.consent import ConsentService
from souk.storage import open_storage

M = "lumen"
EMILY, LIAM = "C-501", "C-502"


async def _seed(data: Path) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data)))
    try:
        svc = ConsentService(storage.consent)
        await svc.answer(M, EMILY, ConsentKind.RECORDING, True, channel=Channel.WATCH_PAGE, language="es")
        await svc.answer(M, EMILY, ConsentKind.AI_PROCESSING, False, channel=Channel.WIDGET, language="es")
        await svc.answer(M, "guest-emily-7f", ConsentKind.MARKETING, True, channel=Channel.API, language="en",
                         customer_id=EMILY)  # a token identity of hers that named her customer id
        await svc.answer(M, LIAM, ConsentKind.RECORDING, True, channel=Channel.WATCH_PAGE, language="en")
    finally:
        await storage.aclose()


async def _left(data: Path) -> list[tuple[str, str]]:
    storage = await open_storage(load_settings(None, data_dir=str(data)))
    try:
        return [(r.subject, r.kind.value) for r in await storage.consent.search(M)]
    finally:
        await storage.aclose()


def test_consent_records_exported_then_erased(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SOUK_DATA_DIR", str(data))
    assert main(["db", "upgrade"]) == 0 and main(["db", "seed-demo"]) == 0
    asyncio.run(_seed(data))
    capsys.readouterr()

    main(["privacy", "export", "--merchant", M, "--customer", EMILY, "--out", str(tmp_path / "out"), "--json"])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    folder = Path(out["folder"])
    records = json.loads((folder / "consent.json").read_text())
    assert sorted((r["subject"], r["kind"], r["granted"]) for r in records) == [
        (EMILY, "ai_processing", False), (EMILY, "recording", True), ("guest-emily-7f", "marketing", True)]
    assert all(r["language"] and r["text_version"] and r["channel"] for r in records)

    main(["privacy", "erase", "--merchant", M, "--customer", EMILY, "--yes", "--json"])
    view = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert view["stores"]["consent"]["deleted"] == 3, view["stores"].get("consent")
    assert asyncio.run(_left(data)) == [(LIAM, "recording")]
