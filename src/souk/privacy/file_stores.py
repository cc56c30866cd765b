"""The customer's data outside the database tables, as CustomerStores (docs/privacy.md "Erasure").

- ``rtm_history``: chat history of the merchant's channels (``merchant/room``): the embedded broker's SQLite
  log (``<data>/rtm.db``) and, in the app, its in-memory ring (deleted through the broker); with Redis, the
  channels' streams. A message goes when the customer sent it (its ``from`` is one of their identities) or its
  text names them. The same store purges the merchant's chat history past retention (``purge``).
- ``redis``: other keys of the merchant in Redis naming the customer (dedupe keys carry the sender's
  identity in their name, presence hashes their name): the key or the hash field goes.
- ``recordings``: files under ``<recordings>/<merchant>/``: the customer's own call rooms whole, files named
  after one of their identities (a stage guest's feed ``<identity>-<n>.mjr`` and what was converted from it),
  and any file whose bytes name them.
- ``data_files``: every other file under the data folder (logs: Janus's, coturn's, any ``*.log``): lines
  naming the customer are masked in place; a binary file naming them is deleted. SQLite files are compacted
  by the erase engine instead (souk.privacy.rawscan.compact_sqlite).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from souk.privacy import rawscan
from souk.privacy.customer import CustomerIds, Erased, Exported, ExportFile, StoreBase

ReadFile = Callable[[str, Path], Awaitable[bytes]]  # (merchant, file) -> plaintext


def redis_client(url: str) -> Any:
    """A redis.asyncio client (typed Any: redis's own stubs type every reply as bytes | str)."""
    from redis.asyncio import from_url

    return from_url(url)


async def read_plain(merchant_id: str, path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


def vault_reader(keys: Any) -> ReadFile:
    """Recordings encrypted at rest (``*.enc``, souk.privacy.vault) opened with the storage's key ring."""
    from souk.privacy.vault import SUFFIX, FileVault

    vault = FileVault(keys)

    async def read(merchant_id: str, path: Path) -> bytes:
        if path.name.endswith(SUFFIX):
            return await vault.read_bytes(merchant_id, path)
        return await read_plain(merchant_id, path)

    return read


def _ts(raw: bytes) -> float:
    """A stored message's send time (wall seconds); one that does not say is kept (+inf)."""
    try:
        ts = json.loads(raw).get("ts")
    except (ValueError, AttributeError):
        return float("inf")
    return float(ts) if isinstance(ts, int | float) else float("inf")


def _hit(raw: bytes, ids: CustomerIds) -> bool:
    try:
        msg = json.loads(raw)
    except ValueError:
        msg = {}
    if isinstance(msg, dict) and msg.get("from") in ids.identities_all:
        return True
    pat = rawscan.pattern(ids.needles())
    return bool(pat and pat.search(raw))


class RtmHistoryStore(StoreBase):
    name = "rtm_history"

    def __init__(self, log_path: Path | None, redis_url: str | None, broker: Any = None,
                 prefix: str = "souk:rtm") -> None:
        self._log = log_path
        self._redis_url = redis_url or None
        self._broker = broker  # the app's broker: deletes from its ring and its log at once
        self._prefix = prefix

    def _sqlite_hits(self, ids: CustomerIds) -> list[tuple[str, int, bytes]]:
        if self._log is None or not self._log.exists():
            return []
        with closing(sqlite3.connect(self._log, timeout=30)) as db:
            rows = db.execute("SELECT channel, seq, raw FROM rtm_messages WHERE channel >= ? AND channel < ? "
                              "ORDER BY channel, seq", (ids.merchant_id + "/", ids.merchant_id + "0")).fetchall()
        return [(c, int(s), bytes(r)) for c, s, r in rows if _hit(bytes(r), ids)]

    async def _redis_hits(self, ids: CustomerIds) -> list[tuple[str, int, bytes]]:
        if self._redis_url is None:
            return []
        out: list[tuple[str, int, bytes]] = []
        head = f"{self._prefix}:st:{ids.merchant_id}/"
        r = redis_client(self._redis_url)
        try:
            async for k in r.scan_iter(match=head.replace("*", r"\*") + "*", count=500):
                key = k.decode()
                for eid, fields in await r.xrange(key, "-", "+"):
                    raw = fields.get(b"m", b"")
                    if _hit(raw, ids):
                        out.append((key[len(f"{self._prefix}:st:"):], int(eid.split(b"-")[0]), raw))
        finally:
            await r.aclose()
        return out

    async def _hits(self, ids: CustomerIds) -> list[tuple[str, int, bytes]]:
        return await asyncio.to_thread(self._sqlite_hits, ids) + await self._redis_hits(ids)

    async def export(self, ids: CustomerIds) -> Exported:
        records = []
        for channel, seq, raw in await self._hits(ids):
            try:
                message: Any = json.loads(raw)
            except ValueError:
                message = raw.decode("utf-8", "replace")
            records.append({"channel": channel, "seq": seq, "message": message})
        return Exported(records)

    def _sqlite_old(self, merchant_id: str, before: float, limit: int) -> list[tuple[str, int]]:
        if self._log is None or not self._log.exists():
            return []
        with closing(sqlite3.connect(self._log, timeout=30)) as db:
            rows = db.execute("SELECT channel, seq FROM rtm_messages WHERE channel >= ? AND channel < ? "
                              "AND json_extract(CAST(raw AS TEXT), '$.ts') < ? ORDER BY channel, seq LIMIT ?",
                              (merchant_id + "/", merchant_id + "0", before, limit)).fetchall()
        return [(c, int(s)) for c, s in rows]

    async def _redis_old(self, merchant_id: str, before: float, limit: int) -> list[tuple[str, int]]:
        """Each of the merchant's streams from its start up to the first message at or after ``before`` (a
        stream is in sequence order, and a channel's sequence follows its senders' clocks)."""
        if self._redis_url is None:
            return []
        out: list[tuple[str, int]] = []
        head = f"{self._prefix}:st:{merchant_id}/"
        r = redis_client(self._redis_url)
        try:
            async for k in r.scan_iter(match=head.replace("*", r"\*") + "*", count=500):
                key, start = k.decode(), "-"
                while len(out) < limit:
                    entries = await r.xrange(key, start, "+", count=min(500, limit - len(out)))
                    newer = False
                    for eid, fields in entries:
                        if _ts(fields.get(b"m", b"")) >= before:
                            newer = True
                            break
                        out.append((key[len(f"{self._prefix}:st:"):], int(eid.split(b"-")[0])))
                    if newer or len(entries) < 500:
                        break
                    start = "(" + entries[-1][0].decode()
                if len(out) >= limit:
                    break
        finally:
            await r.aclose()
        return out

    async def purge(self, merchant_id: str, before: float, limit: int = 1000) -> int:
        """Retention of chat history: delete up to ``limit`` of the merchant's messages sent before ``before``
        (wall time, the messages' ``ts``) from the log, the streams and the app's in-memory ring; how many."""
        old = await asyncio.to_thread(self._sqlite_old, merchant_id, before, limit)
        old += await self._redis_old(merchant_id, before, limit - len(old))
        ring_old = getattr(self._broker, "older_than", None)  # the embedded broker's ring (memory only too)
        if ring_old is not None:
            old += ring_old(merchant_id + "/", before, limit)
        return await self._remove(list(dict.fromkeys(old)))

    async def _remove(self, keys: list[tuple[str, int]]) -> int:
        """Delete these (channel, seq): through the app's broker when there is one (its ring and its store at
        once), else from the log file and the streams."""
        if self._broker is not None:
            n = 0
            for channel, seq in keys:
                n += bool(await self._broker.delete(channel, seq))
            return n
        n = await asyncio.to_thread(self._delete_sqlite, keys) if self._log is not None else 0
        if self._redis_url is not None and keys:
            r = redis_client(self._redis_url)
            try:
                for channel, seq in keys:
                    n += int(await r.xdel(f"{self._prefix}:st:{channel}", f"{seq}-1"))
            finally:
                await r.aclose()
        return n

    async def erase(self, ids: CustomerIds) -> Erased:
        n = await self._remove([(c, s) for c, s, _ in await self._hits(ids)])
        if self._broker is not None or self._redis_url is not None:
            return Erased(deleted=n)
        kept = "a running node's in-memory ring keeps recent messages until it restarts: erase through the API to clear it too"
        return Erased(deleted=n, kept=kept if n else "")

    def _delete_sqlite(self, keys: list[tuple[str, int]]) -> int:
        if not keys or self._log is None:
            return 0
        with closing(sqlite3.connect(self._log, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA secure_delete=ON")
            db.execute("BEGIN IMMEDIATE")
            n = sum(db.execute("DELETE FROM rtm_messages WHERE channel=? AND seq=?", k).rowcount for k in keys)
            db.execute("COMMIT")
        return n


class RedisKeysStore(StoreBase):
    """Any other Redis key of the merchant naming the customer: in its name (the key goes) or in a hash field
    or value (that field, or the key, goes). Streams are the rtm_history store's."""

    name = "redis"

    def __init__(self, redis_url: str) -> None:
        self._url = redis_url

    async def _found(self, ids: CustomerIds) -> list[tuple[str, str, list[bytes]]]:
        """(key, what: 'key' | 'fields' | 'value', hash fields)"""
        pat = rawscan.pattern(ids.needles())
        if pat is None:
            return []
        out: list[tuple[str, str, list[bytes]]] = []
        r = redis_client(self._url)
        try:
            async for k in r.scan_iter(match=f"*{ids.merchant_id}*", count=500):
                kind = (await r.type(k)).decode()
                if kind == "stream":
                    continue
                if pat.search(k):
                    out.append((k.decode(), "key", []))
                elif kind == "hash":
                    fields = [f for f, v in (await r.hgetall(k)).items() if pat.search(f) or pat.search(v)]
                    if fields:
                        out.append((k.decode(), "fields", fields))
                elif kind == "string" and pat.search(await r.get(k) or b""):
                    out.append((k.decode(), "value", []))
        finally:
            await r.aclose()
        return out

    async def export(self, ids: CustomerIds) -> Exported:
        return Exported([{"key": k, "where": what, "fields": [f.decode("utf-8", "replace") for f in fields]}
                         for k, what, fields in await self._found(ids)])

    async def erase(self, ids: CustomerIds) -> Erased:
        n = 0
        r = redis_client(self._url)
        try:
            for k, what, fields in await self._found(ids):
                n += int(await (r.hdel(k, *fields) if what == "fields" else r.delete(k)))
        finally:
            await r.aclose()
        return Erased(deleted=n)


class RecordingsStore(StoreBase):
    name = "recordings"

    def __init__(self, root: Path, read: ReadFile = read_plain) -> None:
        self._root = root
        self._read = read  # opens a recording encrypted at rest (vault_reader)

    def _files(self, ids: CustomerIds) -> list[Path]:
        base = self._root / ids.merchant_id
        pat = rawscan.pattern(ids.needles())
        found = []
        for p in rawscan.files_under(base):
            rel = p.relative_to(base).parts
            named = any(p.name == i or p.name.startswith((f"{i}-", f"{i}.")) for i in ids.identities_all)
            if (rel and rel[0] in ids.rooms) or named or (pat is not None and rawscan.scan_file(p, pat)):
                found.append(p)
        return found

    async def export(self, ids: CustomerIds) -> Exported:
        base = self._root / ids.merchant_id
        files = await asyncio.to_thread(self._files, ids)

        def reader(p: Path) -> Callable[[], Awaitable[bytes]]:
            return lambda: self._read(ids.merchant_id, p)

        def name(p: Path) -> str:  # as the customer knows it: the plaintext's name
            rel = p.relative_to(base).as_posix()
            return rel.removesuffix(".enc") if self._read is not read_plain else rel

        return Exported([{"file": p.relative_to(base).as_posix(), "bytes": p.stat().st_size} for p in files],
                        [ExportFile("recordings/" + name(p), reader(p)) for p in files])

    async def erase(self, ids: CustomerIds) -> Erased:
        return Erased(deleted=await asyncio.to_thread(self._erase, ids))

    def _erase(self, ids: CustomerIds) -> int:
        base = self._root / ids.merchant_id
        n = 0
        for room in sorted(ids.rooms):
            folder = base / room
            if room and "/" not in room and ".." not in room and folder.is_dir() and not folder.is_symlink():
                n += sum(1 for _ in rawscan.files_under(folder))
                shutil.rmtree(folder)
        for p in self._files(ids):
            p.unlink(missing_ok=True)
            n += 1
        return n


class DataFilesStore(StoreBase):
    """Files under the data folder other than recordings and SQLite databases: logs and the like."""

    name = "data_files"

    def __init__(self, data_dir: Path, skip: list[Path]) -> None:
        self._dir = data_dir
        self._skip = skip

    def _hits(self, ids: CustomerIds) -> list[rawscan.FileHit]:
        pat = rawscan.pattern(ids.needles())
        if pat is None:
            return []
        out = []
        for p in rawscan.files_under(self._dir, skip=self._skip):
            if not rawscan.is_sqlite(p) and (hit := rawscan.scan_file(p, pat)) is not None:
                out.append(hit)
        return out

    async def export(self, ids: CustomerIds) -> Exported:
        pat = rawscan.pattern(ids.needles())
        records: list[dict[str, Any]] = []
        for hit in await asyncio.to_thread(self._hits, ids):
            rel = hit.path.relative_to(self._dir).as_posix()
            if pat is not None and rawscan.is_text(hit.path):
                lines = hit.path.read_bytes().decode("utf-8", "replace").splitlines()
                records += [{"file": rel, "line": i + 1, "text": line} for i, line in enumerate(lines)
                            if pat.search(line.encode("utf-8"))]
            else:
                records.append({"file": rel, "matches": hit.count})
        return Exported(records)

    async def erase(self, ids: CustomerIds) -> Erased:
        return await asyncio.to_thread(self._erase, ids)

    def _erase(self, ids: CustomerIds) -> Erased:
        pat = rawscan.pattern(ids.needles())
        deleted = masked = 0
        for hit in self._hits(ids):
            if pat is not None and rawscan.is_text(hit.path):
                masked += rawscan.mask_file(hit.path, pat)
            else:
                hit.path.unlink(missing_ok=True)
                deleted += 1
        return Erased(deleted=deleted, anonymised=masked,
                      kept="log lines stay with the identifiers masked (*)" if masked else "")
