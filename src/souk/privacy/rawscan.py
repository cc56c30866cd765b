"""Raw bytes: finding a customer's identifiers in files, masking them in text files, compacting SQLite files.

A needle is searched in the forms it is written in: as UTF-8, JSON-escaped (``\\u00eb``), URL-encoded (access
logs: ``alice%40example.com``), case-insensitively. Files are read in chunks with an overlap, so a large
recording or model costs one pass. Masking rewrites each hit in place with as many ``*`` as it has bytes, so
a file another process appends to (a log) keeps its size and its writer's offset.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

CHUNK = 4 << 20
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
TEXT_SUFFIXES = {".log", ".txt", ".json", ".jsonl", ".ndjson", ".csv", ".vtt", ".srt", ".md", ".out", ".err"}


# an identifier matches as a whole token: "C-501" is not found inside "C-5012" or "XC-501", but is in
# "conv-C-501" (ids made from it name the customer too)
_EDGE_BEFORE = rb"(?<![A-Za-z0-9])"
_EDGE_AFTER = rb"(?![A-Za-z0-9])"


def forms(needle: str) -> set[bytes]:
    out = {needle.encode("utf-8"), json.dumps(needle)[1:-1].encode("ascii"), quote(needle, safe="").encode("ascii")}
    return {f for f in out if f}


def pattern(needles: Iterable[str]) -> re.Pattern[bytes] | None:
    """One case-insensitive pattern for every form of every needle, each matched as a whole token."""
    alts = sorted({f for n in needles for f in forms(n)}, key=len, reverse=True)
    if not alts:
        return None
    return re.compile(_EDGE_BEFORE + b"(?:" + b"|".join(re.escape(a) for a in alts) + b")" + _EDGE_AFTER,
                      re.IGNORECASE)


def text_pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    """The same for text (database values: JSON documents are searched as decoded values)."""
    pat = pattern(needles)
    return None if pat is None else re.compile(pat.pattern.decode("utf-8"), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FileHit:
    path: Path
    count: int
    sample: str  # the first match (for the report: which identifier)


def scan_file(path: Path, pat: re.Pattern[bytes]) -> FileHit | None:
    overlap = 1024
    count, sample, tail = 0, b"", b""
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                buf = tail + chunk
                seen_upto = len(tail)
                for m in pat.finditer(buf):
                    if m.end() > seen_upto:  # a match wholly inside the previous tail was counted already
                        count += 1
                        sample = sample or m.group(0)
                tail = buf[-overlap:]
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        return None
    return FileHit(path, count, sample.decode("utf-8", "replace")) if count else None


def files_under(root: Path, *, skip: Iterable[Path] = ()) -> Iterator[Path]:
    skipped = [s.resolve() for s in skip]
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if (here / d).resolve() not in skipped and not (here / d).is_symlink()]
        for name in filenames:
            p = here / name
            if not p.is_symlink() and p.is_file():
                yield p


def is_sqlite(path: Path) -> bool:
    """A SQLite database or one of its sidecar files (compacted by VACUUM, never masked in place)."""
    if any(path.name.endswith(s) for s in SQLITE_SIDECARS):
        return (path.parent / path.name.rsplit("-", 1)[0]).exists() or path.name.endswith("-shm")
    try:
        with path.open("rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def is_text(path: Path) -> bool:
    if path.suffix.lower() in TEXT_SUFFIXES or re.search(r"\.log(\.\d+)?$", path.name):
        return True
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError:
        return False
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # cut inside a character at the end of the sample
    return True


def mask_file(path: Path, pat: re.Pattern[bytes]) -> int:
    """Overwrite every match in place with ``*`` of the same length; how many."""
    masked = 0
    with path.open("r+b") as f:
        data = f.read()
        for m in pat.finditer(data):
            f.seek(m.start())
            f.write(b"*" * (m.end() - m.start()))
            masked += 1
        f.flush()
        os.fsync(f.fileno())
    return masked


@dataclass(frozen=True, slots=True)
class Compacted:
    path: Path
    ok: bool
    detail: str


def compact_sqlite(path: Path, *, busy_ms: int = 30_000) -> Compacted:
    """Leave nothing deleted in ``path``'s free pages or WAL: checkpoint, VACUUM (which rewrites every page),
    checkpoint again truncating the WAL to zero bytes. Another connection holding a read transaction open can
    keep the WAL from being truncated: reported, not hidden."""
    if not path.exists():
        return Compacted(path, True, "absent")
    with closing(sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None)) as db:
        db.execute(f"PRAGMA busy_timeout={busy_ms}")
        db.execute("PRAGMA secure_delete=ON")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
        busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    wal = Path(str(path) + "-wal")
    left = wal.stat().st_size if wal.exists() else 0
    if busy or left:
        return Compacted(path, False, f"WAL not truncated ({left} bytes left: another connection reads)")
    return Compacted(path, True, "vacuumed, WAL truncated")
