"""PII redaction of stored transcripts on the embedded default, set per merchant with ``souk privacy
redaction``: with it on, a voice conversation's lines and a show's captions are stored without the shopper's
e-mail or phone (neither in the opened rows nor anywhere in the SQLite files); off (the default), they are
stored as said."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.domain.desk.timeline import AiMessage, Channel, ShopperMessage
from souk.storage import open_storage
from souk.storage.repos.captions import SqlCaptionRepo
from tests.contract.storage.conftest import merchant
from tests.contract.storage.test_captions_store import cap
from tests.contract.storage.test_desk_store import at, convo

ON, OFF = "lumen", "bazaar"
EMAIL, PHONE = "ana.lopez@example.com", "+34 612 345 678"
SAID = f"my mail is {EMAIL} and my phone {PHONE}"


def souk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out and out[-1].startswith("{") else out


async def _merchants(data_dir: Path) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        for mid in (ON, OFF):
            await storage.merchants.create(merchant(mid))
    finally:
        await storage.aclose()


async def _store_and_read(data_dir: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Each merchant's stored voice lines and caption texts, as read back (opened)."""
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    try:
        captions = SqlCaptionRepo(storage.db, storage.clock, redaction=storage.redaction)
        out = {}
        for mid in (ON, OFF):
            await storage.desk.create(convo(mid, "v1", channel=Channel.ASSISTANT_VOICE))
            await storage.desk.append(mid, "v1", [ShopperMessage(at(1), SAID), AiMessage(at(2), "Thanks!")])
            await captions.put(mid, cap(0, SAID))
            lines = [e.text for _, e in await storage.desk.events(mid, "v1") if isinstance(e, ShopperMessage)]
            out[mid] = (lines, [c.text for c in await captions.of_show(mid, "show_1")])
        return out
    finally:
        await storage.aclose()


def _raw(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file() and ".db" in p.name)


def test_stored_transcripts_redacted_per_merchant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOUK_PRIVACY__ENCRYPT_AT_REST", "false")  # so the raw scan can see what was stored
    asyncio.run(_merchants(tmp_path))
    assert souk(capsys, "privacy", "redaction", "set", "--merchant", ON, "transcripts", "on")[0] == 0
    code, shown = souk(capsys, "privacy", "redaction", "show", "--merchant", ON, "--json")
    assert code == 0 and shown["redaction"] == {"transcripts": {"on": True, "own": True}}
    code, shown = souk(capsys, "privacy", "redaction", "show", "--merchant", OFF, "--json")
    assert code == 0 and shown["redaction"] == {"transcripts": {"on": False, "own": False}}

    got = asyncio.run(_store_and_read(tmp_path))
    assert got[ON] == (["my mail is [email] and my phone [phone]"], ["my mail is [email] and my phone [phone]"])
    assert got[OFF] == ([SAID], [SAID])
    raw = _raw(tmp_path)  # OFF's lines hold them (the scan works); ON's rows never did
    assert raw.count(EMAIL.encode()) >= 2 and raw.count(PHONE.encode()) >= 2

    # the same data from the redacting merchant alone: not a byte of the e-mail or phone anywhere in the files
    other = tmp_path / "only-on"
    monkeypatch.setenv("SOUK_DATA_DIR", str(other))
    asyncio.run(_merchants(other))
    assert souk(capsys, "privacy", "redaction", "set", "--merchant", ON, "transcripts", "on")[0] == 0
    assert souk(capsys, "privacy", "redaction", "set", "--merchant", OFF, "transcripts", "on")[0] == 0
    asyncio.run(_store_and_read(other))
    raw = _raw(other)
    assert EMAIL.encode() not in raw and PHONE.encode() not in raw
    assert souk(capsys, "privacy", "redaction", "clear", "--merchant", OFF, "transcripts")[0] == 0
    code, shown = souk(capsys, "privacy", "redaction", "show", "--merchant", OFF, "--json")
    assert shown["redaction"] == {"transcripts": {"on": False, "own": False}}


def test_the_default_from_privacy_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOUK_PRIVACY__REDACT_TRANSCRIPTS", "true")
    asyncio.run(_merchants(tmp_path))
    assert souk(capsys, "privacy", "redaction", "set", "--merchant", OFF, "transcripts", "off")[0] == 0
    got = asyncio.run(_store_and_read(tmp_path))
    assert got[ON][0] == ["my mail is [email] and my phone [phone]"] and got[OFF][0] == [SAID]
    assert main(["privacy", "redaction", "set", "--merchant", "nobody", "transcripts", "on"]) != 0
