"""The scan: search every store for a customer's identifiers and say where they still are.

Three independent looks, so one store's blind spot is covered by another: the raw bytes of every file under
the data folder and the recordings folder (SQLite databases with their -wal/-shm files, recordings, logs: a
deleted row left on a free page is found here), every row of every tenant table of the merchant (the only
look into PostgreSQL), and every key of Redis with its value (SCAN; strings, hashes, lists, sets, sorted sets,
streams). A store with data elsewhere may add its own ``scan(ids) -> list[str]``.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from souk.privacy import rawscan
from souk.privacy.customer import CustomerIds, CustomerStore
from souk.privacy.file_stores import redis_client
from souk.storage import Storage
from souk.storage.repos.customer_data import SqlCustomerDataRepo


@dataclass(frozen=True, slots=True)
class Hit:
    where: str  # file | table | redis | store
    what: str  # the path, table, key or store
    count: int
    detail: str = ""

    def view(self) -> dict[str, Any]:
        return {"where": self.where, "what": self.what, "count": self.count, "detail": self.detail}


@dataclass
class ScanReport:
    searched: list[str]  # what was looked at
    hits: list[Hit] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.hits

    def view(self) -> dict[str, Any]:
        return {"ok": self.ok, "searched": self.searched, "hits": [h.view() for h in self.hits]}


def scan_files(roots: Sequence[Path], ids: CustomerIds, skip: Sequence[Path] = ()) -> tuple[list[Hit], int]:
    pat = rawscan.pattern(ids.needles())
    seen: set[Path] = set()
    hits: list[Hit] = []
    if pat is None:
        return hits, 0
    for root in roots:
        for p in rawscan.files_under(root, skip=skip):
            real = p.resolve()
            if real in seen:
                continue
            seen.add(real)
            if (h := rawscan.scan_file(p, pat)) is not None:
                hits.append(Hit("file", str(p), h.count, f"e.g. {_mask(h.sample)}"))
    return hits, len(seen)


async def scan_redis(url: str, ids: CustomerIds) -> tuple[list[Hit], int]:
    pat = rawscan.pattern(ids.needles())
    hits: list[Hit] = []
    keys = 0
    if pat is None:
        return hits, 0
    r = redis_client(url)
    try:
        async for k in r.scan_iter(count=1000):
            keys += 1
            kind = (await r.type(k)).decode()
            blobs: list[bytes] = [k]
            if kind == "string":
                blobs.append(await r.get(k) or b"")
            elif kind == "hash":
                blobs += [b for kv in (await r.hgetall(k)).items() for b in kv]
            elif kind == "list":
                blobs += await r.lrange(k, 0, -1)
            elif kind == "set":
                blobs += list(await r.smembers(k))
            elif kind == "zset":
                blobs += await r.zrange(k, 0, -1)
            elif kind == "stream":
                blobs += [b for _, fields in await r.xrange(k, "-", "+") for kv in fields.items() for b in kv]
            n = sum(len(pat.findall(b)) for b in blobs)
            if n:
                hits.append(Hit("redis", k.decode("utf-8", "replace"), n, kind))
    finally:
        await r.aclose()
    return hits, keys


def sqlite_files(storage: Storage, data_dir: Path) -> list[Path]:
    """The SQLite databases erasure wrote to: the store's (when SQLite) and the embedded RTM log."""
    out = []
    if storage.backend == "sqlite":
        db = make_url(str(storage.db.engine.url)).database
        if db and db != ":memory:":
            out.append(Path(db))
    rtm = data_dir / "rtm.db"
    if rtm.exists():
        out.append(rtm)
    return out


async def scan_customer(storage: Storage, ids: CustomerIds, *, data_dir: Path, recordings_dir: Path,
                        redis_url: str | None, stores: Sequence[CustomerStore] = ()) -> ScanReport:
    roots = [data_dir] + ([recordings_dir] if not recordings_dir.resolve().is_relative_to(data_dir.resolve()) else [])
    skip = [data_dir / "models"]
    file_hits, files = await asyncio.to_thread(scan_files, roots, ids, skip)
    repo = SqlCustomerDataRepo(storage.db, storage.clock)
    file_hits = [h for h in file_hits if not await _other_tenant(h, storage, repo, ids, data_dir)]
    where = "the data folder" + (" and the recordings folder" if len(roots) > 1 else "")
    report = ScanReport(searched=[(f"{files} files under {where} (models/ skipped; in shared SQLite files, "
                                  "bytes other merchants' live rows hold are not counted)")], hits=file_hits)
    found = await repo.containing(ids.merchant_id, rawscan.text_pattern(ids.needles()))
    report.searched.append(f"every table of merchant {ids.merchant_id} ({storage.backend})")
    report.hits += [Hit("table", table, len(rows), _row_keys(rows)) for table, rows in sorted(found.items())]
    if redis_url:
        redis_hits, keys = await scan_redis(redis_url, ids)
        report.searched.append(f"{keys} Redis keys")
        report.hits += redis_hits
    for store in stores:
        extra = getattr(store, "scan", None)
        if extra is not None:
            report.searched.append(f"store {store.name}")
            report.hits += [Hit("store", store.name, 1, d) for d in await extra(ids)]
    return report


async def _other_tenant(hit: Hit, storage: Storage, repo: SqlCustomerDataRepo, ids: CustomerIds,
                        data_dir: Path) -> bool:
    """A hit in a SQLite file that other merchants' live data explains (the same e-mail at two shops)."""
    path = Path(hit.what)
    base = Path(str(path).removesuffix("-wal").removesuffix("-shm"))
    pat = rawscan.text_pattern(ids.needles())
    if pat is None:
        return False
    if base in sqlite_files(storage, data_dir) and base.name != "rtm.db":
        return await repo.others_match(ids.merchant_id, pat)
    if base == data_dir / "rtm.db":
        return await asyncio.to_thread(_rtm_others_match, base, ids.merchant_id, pat)
    return False


def _rtm_others_match(path: Path, merchant_id: str, pat: re.Pattern[str]) -> bool:
    with closing(sqlite3.connect(path, timeout=30)) as db:
        for channel, raw in db.execute("SELECT channel, raw FROM rtm_messages WHERE NOT (channel >= ? AND "
                                       "channel < ?)", (merchant_id + "/", merchant_id + "0")):
            if pat.search(bytes(raw).decode("utf-8", "replace")) or pat.search(channel):
                return True
    return False


def _mask(sample: str) -> str:
    """Enough of a match to tell which identifier it is, not the identifier (reports are shown and kept)."""
    return sample[:2] + "*" * max(3, len(sample) - 2)


def _row_keys(rows: list[dict[str, Any]]) -> str:
    keys = [str(r.get("id") or r.get("seq") or r.get("key") or "") for r in rows[:5]]
    return "rows " + ", ".join(k for k in keys if k) if any(keys) else ""
