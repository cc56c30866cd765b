"""The audit chain (souk.domain.audit): canonical hashing and verification of tampered, deleted, reordered rows."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from souk.domain.audit import (
    GENESIS,
    AuditError,
    AuditEvent,
    Problem,
    canonical,
    next_entry,
    verify,
)

M = "shop-a"


def chain(n: int) -> list:
    out = []
    seq, head = 0, GENESIS
    for i in range(n):
        ev = AuditEvent(actor=f"staff-{i % 3}", role="staff", action="conversation.read", object_kind="conversation",
                        object_id=f"conv-{i}", detail={"route": "/v1/desk", "n": str(i)})
        e = next_entry(M, seq, head, 1_800_000_000_000_000 + i, ev)
        out.append(e)
        seq, head = e.seq, e.hash
    return out


def test_an_intact_chain_verifies() -> None:
    rows = chain(5)
    v = verify(M, rows, rows[-1].seq, rows[-1].hash)
    assert v.ok and v.checked == 5 and v.head_seq == 5
    assert rows[0].prev_hash == GENESIS and all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


def test_an_empty_chain_verifies_against_its_genesis_head() -> None:
    assert verify(M, [], 0, GENESIS).ok


def test_canonical_encoding_ignores_detail_order_and_keeps_unicode() -> None:
    a = AuditEvent("x", "staff", "a", "k", "o", {"b": "2", "a": "ü"})
    b = AuditEvent("x", "staff", "a", "k", "o", {"a": "ü", "b": "2"})
    assert canonical(M, 1, 5, a, GENESIS) == canonical(M, 1, 5, b, GENESIS)
    assert "ü".encode() in canonical(M, 1, 5, a, GENESIS)


@pytest.mark.parametrize("field,value", [("actor", "intruder"), ("object_id", "conv-99"), ("at_us", 1),
                                         ("detail", {"route": "/elsewhere", "n": "2"}), ("action", "x.read")])
def test_a_changed_field_is_found_as_tampered(field: str, value: object) -> None:
    rows = chain(5)
    rows[2] = dataclasses.replace(rows[2], **{field: value})
    v = verify(M, rows, rows[-1].seq, rows[-1].hash)
    assert [(f.seq, f.problem) for f in v.findings] == [(3, Problem.TAMPERED)]


def test_a_rehashed_row_still_breaks_the_next_link() -> None:
    rows = chain(5)
    forged = next_entry(M, 2, rows[1].hash, rows[2].at_us, AuditEvent("nobody", "staff", "x", "k"))
    rows[2] = forged
    v = verify(M, rows, rows[-1].seq, rows[-1].hash)
    assert (4, Problem.BROKEN_LINK) in [(f.seq, f.problem) for f in v.findings]


def test_a_deleted_row_is_found_missing() -> None:
    rows = chain(5)
    del rows[1]
    v = verify(M, rows, 5, chain(5)[-1].hash)
    problems = {(f.seq, f.problem) for f in v.findings}
    assert (2, Problem.MISSING) in problems and not v.ok


def test_deleted_last_rows_are_found_by_the_head() -> None:
    rows = chain(5)
    v = verify(M, rows[:3], rows[-1].seq, rows[-1].hash)
    assert [f.problem for f in v.findings] == [Problem.HEAD]


def test_swapped_rows_are_found() -> None:
    rows = chain(5)
    a, b = rows[1], rows[2]
    rows[1], rows[2] = dataclasses.replace(b, seq=2), dataclasses.replace(a, seq=3)
    v = verify(M, rows, rows[-1].seq, rows[-1].hash)
    assert not v.ok and {f.seq for f in v.findings} >= {2, 3}


def test_a_purged_prefix_verifies_from_its_anchor_and_a_wrong_anchor_fails() -> None:
    rows = chain(6)
    kept = rows[3:]
    assert verify(M, kept, 6, rows[-1].hash, anchor_seq=3, anchor_hash=rows[2].hash).ok
    assert not verify(M, kept, 6, rows[-1].hash, anchor_seq=3, anchor_hash=GENESIS).ok
    assert not verify(M, kept, 6, rows[-1].hash).ok  # without the anchor rows 1..3 are missing


def test_a_row_of_another_merchant_is_foreign() -> None:
    rows = chain(3)
    rows[1] = dataclasses.replace(rows[1], merchant_id="shop-b")
    assert Problem.FOREIGN in {f.problem for f in verify(M, rows, 3, rows[-1].hash).findings}


@pytest.mark.parametrize("kwargs", [{"actor": ""}, {"action": " "}, {"role": "x" * 201},
                                    {"detail": {"a": 1}}, {"detail": {str(i): "v" for i in range(33)}}])
def test_bad_events_are_refused(kwargs: dict) -> None:
    base = {"actor": "a", "role": "staff", "action": "x.read", "object_kind": "k"}
    with pytest.raises(AuditError):
        AuditEvent(**{**base, **kwargs})  # type: ignore[arg-type]
