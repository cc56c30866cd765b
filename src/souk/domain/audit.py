"""The audit log's hash chain (issue 17 part 5): pure, no I/O.

Each merchant has one chain. An entry's hash is SHA-256 over the previous entry's hash and the entry's
canonical encoding (every field but the hash itself, its sequence number included), so changing a row's
content, deleting a row, inserting one or swapping two breaks the chain at that point. The first entry links to
``GENESIS``; when retention purges the oldest entries, the chain's anchor (the last purged sequence number and
its hash) is kept and verification starts from it.

What the chain proves: nobody changed the stored history without rewriting every later hash. Someone who can
rewrite the whole table and its head can forge a consistent chain; the defence is to keep the head hash
elsewhere (``souk audit verify`` prints it) and compare it later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

GENESIS = "0" * 64
MAX_DETAIL_KEYS = 32
MAX_TEXT = 200


class AuditError(ValueError):
    """An audit event that cannot be recorded as given."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, as a caller reports it: who (actor and role) did what (action) to which object."""

    actor: str
    role: str
    action: str
    object_kind: str
    object_id: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("actor", "role", "action", "object_kind"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise AuditError(f"audit event needs a {name}")
        for name in ("actor", "role", "action", "object_kind", "object_id"):
            if len(getattr(self, name)) > MAX_TEXT:
                raise AuditError(f"audit event's {name} is longer than {MAX_TEXT} characters")
        if len(self.detail) > MAX_DETAIL_KEYS:
            raise AuditError(f"audit event detail has more than {MAX_DETAIL_KEYS} keys")
        for k, v in self.detail.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise AuditError("audit event detail maps text to text")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored row of a merchant's chain. ``at_us``: wall time in integer microseconds (exact in the hash)."""

    merchant_id: str
    seq: int
    at_us: int
    actor: str
    role: str
    action: str
    object_kind: str
    object_id: str
    detail: Mapping[str, str]
    prev_hash: str
    hash: str


def canonical(merchant_id: str, seq: int, at_us: int, event: AuditEvent | AuditEntry, prev_hash: str) -> bytes:
    """The bytes the hash covers: sorted-key compact JSON, UTF-8, so any backend's round trip hashes the same."""
    doc = {"v": 1, "merchant": merchant_id, "seq": seq, "at_us": at_us, "actor": event.actor, "role": event.role,
           "action": event.action, "object_kind": event.object_kind, "object_id": event.object_id,
           "detail": dict(sorted(event.detail.items())), "prev": prev_hash}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


def next_entry(merchant_id: str, head_seq: int, head_hash: str, at_us: int, event: AuditEvent) -> AuditEntry:
    """The entry that follows a chain whose last entry is (``head_seq``, ``head_hash``)."""
    seq = head_seq + 1
    digest = chain_hash(head_hash, canonical(merchant_id, seq, at_us, event, head_hash))
    return AuditEntry(merchant_id=merchant_id, seq=seq, at_us=at_us, actor=event.actor, role=event.role,
                      action=event.action, object_kind=event.object_kind, object_id=event.object_id,
                      detail=dict(event.detail), prev_hash=head_hash, hash=digest)


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str
    anchor_seq: int
    anchor_hash: str


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Search filters; every one optional. Times are wall microseconds, ``since`` inclusive, ``until`` not."""

    actor: str | None = None
    action: str | None = None
    object_kind: str | None = None
    object_id: str | None = None
    since_us: int | None = None
    until_us: int | None = None
    before_seq: int | None = None  # paging: entries older than this one
    limit: int = 100


class Problem(StrEnum):
    TAMPERED = "tampered"        # the row's content no longer matches its hash
    MISSING = "missing"          # a sequence number is absent (a row deleted)
    BROKEN_LINK = "broken_link"  # the row does not link to the row before it (reordered or inserted)
    HEAD = "head_mismatch"       # the chain's recorded head is not its last row (rows deleted at the end)
    FOREIGN = "foreign"          # a row of another merchant's chain


@dataclass(frozen=True, slots=True)
class Finding:
    seq: int
    problem: Problem
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    merchant_id: str
    checked: int
    head_seq: int
    head_hash: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


class ChainVerifier:
    """Checks entries fed in sequence order (streamed, so a long chain needs no memory), then the head.

    ``anchor_seq``/``anchor_hash``: where the kept chain starts (0 and GENESIS unless retention purged rows).
    """

    def __init__(self, merchant_id: str, anchor_seq: int = 0, anchor_hash: str = GENESIS,
                 *, max_findings: int = 100) -> None:
        self._merchant = merchant_id
        self._seq = anchor_seq
        self._hash = anchor_hash
        self._checked = 0
        self._max = max_findings
        self._findings: list[Finding] = []

    def _add(self, seq: int, problem: Problem, message: str) -> None:
        if len(self._findings) < self._max:
            self._findings.append(Finding(seq, problem, message))

    def feed(self, entries: Iterable[AuditEntry]) -> None:
        for e in entries:
            self._checked += 1
            if e.merchant_id != self._merchant:
                self._add(e.seq, Problem.FOREIGN, f"row {e.seq} belongs to merchant {e.merchant_id!r}")
                continue
            if e.seq != self._seq + 1:
                if e.seq > self._seq + 1:
                    self._add(self._seq + 1, Problem.MISSING,
                              f"rows {self._seq + 1}..{e.seq - 1} are missing")
                else:
                    self._add(e.seq, Problem.BROKEN_LINK, f"row {e.seq} comes after row {self._seq}")
            if e.prev_hash != self._hash:
                self._add(e.seq, Problem.BROKEN_LINK, f"row {e.seq} does not link to the row before it")
            expected = chain_hash(e.prev_hash, canonical(e.merchant_id, e.seq, e.at_us, e, e.prev_hash))
            if expected != e.hash:
                self._add(e.seq, Problem.TAMPERED, f"row {e.seq}'s content does not match its hash")
            # Go on from the row as stored, so one bad row is reported once, not as a cascade.
            self._seq, self._hash = max(self._seq, e.seq), e.hash

    def finish(self, head_seq: int, head_hash: str) -> Verdict:
        if (head_seq, head_hash) != (self._seq, self._hash):
            self._add(head_seq, Problem.HEAD,
                      f"the chain's head is row {head_seq} but its last stored row is {self._seq}"
                      if head_seq != self._seq else f"row {head_seq}'s hash differs from the recorded head")
        return Verdict(self._merchant, self._checked, head_seq, head_hash, tuple(self._findings))


def verify(merchant_id: str, entries: Iterable[AuditEntry], head_seq: int, head_hash: str,
           anchor_seq: int = 0, anchor_hash: str = GENESIS) -> Verdict:
    v = ChainVerifier(merchant_id, anchor_seq, anchor_hash)
    v.feed(entries)
    return v.finish(head_seq, head_hash)
