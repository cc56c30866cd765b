"""Export: everything every store holds about one customer, as a folder (CLI) or a zip of it (API).

``<out>/<merchant>-<customer>-<UTC time>/``: ``manifest.json`` (who, when, the identifiers searched, per store
how many records and files, its note), ``<store>.json`` per store (its records, JSON), and
``files/<store>/...`` (recordings and the like, plaintext). Nothing is changed anywhere. A store that fails
is named in the manifest with its error and the export goes on; the caller decides (the CLI exits 1).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from souk.core.errors import SoukError
from souk.core.progress import NO_PROGRESS, ProgressSink
from souk.privacy.customer import CustomerIds, CustomerStore

log = logging.getLogger(__name__)

FORMAT = "souk-customer-export/1"


@dataclass
class ExportResult:
    folder: Path
    manifest: dict[str, Any]
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", text)[:80] or "_"


def _new_folder(out: Path, name: str) -> Path:
    """``out/name``, or ``out/name-2``... when an export of the same second is there: never mixed into it."""
    out.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = out / (name if n == 1 else f"{name}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"no free export folder name under {out}")


def _inside(root: Path, name: str) -> Path:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"an export file name must be relative and stay inside: {name!r}")
    return root.joinpath(*rel.parts)


async def export_customer(stores: Sequence[CustomerStore], ids: CustomerIds, out: Path, *,
                          now: dt.datetime | None = None, progress: ProgressSink = NO_PROGRESS) -> ExportResult:
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    folder = await asyncio.to_thread(
        _new_folder, out, f"{_safe(ids.merchant_id)}-{_safe(ids.customer_id)}-{when.strftime('%Y%m%dT%H%M%SZ')}")
    manifest: dict[str, Any] = {"format": FORMAT, "exported_at": when.isoformat(), "identifiers": ids.view(),
                                "stores": {}}
    result = ExportResult(folder, manifest)
    progress.set_total(len(stores))
    for store in stores:
        try:
            part = await store.export(ids)
            await asyncio.to_thread(_write_json, folder / f"{store.name}.json", part.records)
            for f in part.files:
                target = _inside(folder / "files" / store.name, f.name)
                data = await f.read()
                await asyncio.to_thread(_write_bytes, target, data)
            manifest["stores"][store.name] = {"records": len(part.records), "files": len(part.files),
                                              "note": part.note}
        except (SoukError, OSError, ValueError) as exc:
            log.error("export of %s/%s: store %s failed: %s", ids.merchant_id, ids.customer_id, store.name, exc)
            manifest["stores"][store.name] = {"error": str(exc)}
            result.failed.append(store.name)
        progress.advance(label=store.name)
    await asyncio.to_thread(_write_json, folder / "manifest.json", manifest)
    return result


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n",
                    encoding="utf-8")


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def zip_folder(folder: Path, target: Path) -> Path:
    """The export folder as one zip (paths inside start with the folder's name)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, (PurePosixPath(folder.name) / p.relative_to(folder).as_posix()).as_posix())
    return target
