"""Retention (issue 17 part 3): how long each kind of a merchant's data is kept. Pure.

A merchant's policy is the ``[privacy]`` defaults with the merchant's own days on top (``retention_policies``);
``cutoffs`` turns it into the wall time before which each kind is purged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

MAX_DAYS = 36_500  # a hundred years: longer is a typo, not a policy
DAY_S = 86_400.0


class DataKind(StrEnum):
    CHAT_HISTORY = "chat_history"              # live/RTM chat kept for late joiners and replays
    TRANSCRIPTS = "transcripts"                # assistant and voice transcripts
    RECORDINGS = "recordings"                  # recorded shows and calls (files)
    QUALITY_RECORDS = "quality_records"        # call-quality records per participant and join
    DESK_CONVERSATIONS = "desk_conversations"  # closed desk conversations and their timelines
    AUDIT_LOG = "audit_log"                    # the audit log's oldest entries (the chain keeps its anchor)


class RetentionError(ValueError):
    pass


def check_days(kind: str, days: int) -> tuple[DataKind, int]:
    try:
        k = DataKind(kind)
    except ValueError as exc:
        raise RetentionError(f"unknown data kind {kind!r}: one of {', '.join(k.value for k in DataKind)}") from exc
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise RetentionError(f"retention of {kind} must be 1..{MAX_DAYS} days, got {days!r}")
    return k, days


@dataclass(frozen=True, slots=True)
class Policy:
    days: Mapping[DataKind, int]
    own: frozenset[DataKind]  # the kinds the merchant set (the others are the defaults)

    def cutoff(self, kind: DataKind, now_wall: float) -> float:
        """Data of ``kind`` from before this wall time is past retention."""
        return now_wall - self.days[kind] * DAY_S


def policy(defaults: Mapping[str, int], own: Mapping[str, int]) -> Policy:
    """The defaults (every kind) with the merchant's own days on top."""
    days: dict[DataKind, int] = {}
    for kind in DataKind:
        if kind.value not in defaults:
            raise RetentionError(f"no default retention for {kind.value}")
        days[kind] = check_days(kind.value, defaults[kind.value])[1]
    mine = set()
    for kind_name, d in own.items():
        k, d = check_days(kind_name, d)
        days[k] = d
        mine.add(k)
    return Policy(days, frozenset(mine))
