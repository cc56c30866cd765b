"""Consent (issue 17 part 2, docs/privacy.md "Consent"): record a shopper's answers, say whether they may be
recorded or served by the AI, and tell whoever is recording them the moment they withdraw.

``ConsentService`` is the one place that checks an answer (the wording version it names must exist in that
language: souk/data/consent_texts.json) and stores it (souk.storage.repos.consent). Withdrawals of
any kind are announced to watchers in this process (the signaling session that is recording the subject
stops its recorder); a session on another node learns it when it next publishes (documented limit).
``ConsentCustomerStore`` plugs consent records into export and erasure (/work/notes/contract-C.md).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine
from importlib import resources
from typing import Any, Protocol

from souk.core.errors import BadRequest, NotFound, SoukError
from souk.domain.consent import (
    Channel,
    ConsentError,
    ConsentKind,
    ConsentRecord,
    ConsentTexts,
    check_subject,
    latest,
    may_process_with_ai,
    may_record,
    parse_texts,
)
from souk.privacy.customer import CustomerIds, Erased, Exported, StoreBase

log = logging.getLogger(__name__)

Watcher = Callable[[ConsentRecord], Coroutine[Any, Any, None]]


class ConsentRepo(Protocol):
    async def add(self, record: ConsentRecord) -> ConsentRecord: ...

    async def of_subject(self, merchant_id: str, subject: str) -> list[ConsentRecord]: ...


def load_texts() -> ConsentTexts:
    """The packaged wording (souk/data/consent_texts.json)."""
    raw = resources.files("souk.data").joinpath("consent_texts.json").read_text(encoding="utf-8")
    return parse_texts(json.loads(raw))


def bad_request(exc: ConsentError) -> SoukError:
    """NotFound for wording that does not exist (``unknown_text_version``: the reference names nothing we have),
    BadRequest for the rest."""
    if exc.code == "unknown_text_version":
        return NotFound(str(exc), code=exc.code)
    return BadRequest(str(exc), code=exc.code)


class ConsentService:
    def __init__(self, repo: ConsentRepo, texts: ConsentTexts | None = None) -> None:
        self._repo = repo
        self.texts = texts or load_texts()
        self._watchers: dict[tuple[str, str], list[Watcher]] = defaultdict(list)

    async def answer(self, merchant_id: str, subject: str, kind: ConsentKind, granted: bool, *, channel: Channel,
                     language: str, text_version: str | None = None,
                     customer_id: str | None = None) -> ConsentRecord:
        """Store one answer to the wording ``text_version`` (default: the current one) in ``language``.
        NotFound ``unknown_text_version`` when the answer names wording we never showed, BadRequest ``bad_subject``."""
        try:
            check_subject(subject)
            text = self.texts.check(kind, text_version or self.texts.current[kind], language)
        except ConsentError as exc:
            raise bad_request(exc) from exc
        record = await self._repo.add(ConsentRecord(merchant_id, subject, kind, granted, 0.0, text.version,
                                                    channel, text.language, customer_id or None))
        log.info("consent: merchant=%s kind=%s %s via %s (%s, %s)", merchant_id, kind.value,
                 "granted" if granted else "withdrawn", channel.value, text.version, text.language)
        if not granted:  # awaited: the answer to a withdrawal comes once the recorders stopped
            for watcher in list(self._watchers.get((merchant_id, subject), ())):
                try:
                    await watcher(record)
                except SoukError as exc:
                    log.error("consent: acting on a withdrawal (merchant=%s kind=%s) failed: %s", merchant_id,
                              kind.value, exc.message)
        return record

    async def standing(self, merchant_id: str, subject: str) -> dict[ConsentKind, ConsentRecord]:
        return latest(await self._repo.of_subject(merchant_id, subject))

    async def may_record(self, merchant_id: str, subject: str) -> bool:
        """Only an explicit, standing yes to ``recording``."""
        return may_record(await self._repo.of_subject(merchant_id, subject))

    async def may_use_ai(self, merchant_id: str, subject: str) -> bool:
        """Unless the subject said no to ``ai_processing`` (they were told in the AI notice)."""
        return may_process_with_ai(await self._repo.of_subject(merchant_id, subject))

    def on_withdraw(self, merchant_id: str, subject: str, watcher: Watcher) -> Callable[[], None]:
        """Call ``watcher`` with each later withdrawal by ``subject`` (any kind); returns the unsubscribe."""
        key = (merchant_id, subject)
        self._watchers[key].append(watcher)

        def cancel() -> None:
            items = self._watchers.get(key)
            if items and watcher in items:
                items.remove(watcher)
                if not items:
                    del self._watchers[key]
        return cancel

    async def aclose(self) -> None:
        self._watchers.clear()


class CustomerConsentRepo(Protocol):
    async def of_customer(self, merchant_id: str, ids: frozenset[str]) -> list[ConsentRecord]: ...

    async def erase(self, merchant_id: str, ids: list[str]) -> int: ...


class ConsentCustomerStore(StoreBase):
    """Export and erasure of a customer's consent records (by customer id and every token identity).

    Erasure DELETES them: a consent record proves the lawful basis of processing that erasure itself ends
    (their recordings, transcripts and messages go in the same erasure), and a row kept under a pseudonym could
    no longer be tied to anyone, so it would prove nothing. The audit chain records that an erasure happened."""

    name = "consent"

    def __init__(self, repo: CustomerConsentRepo) -> None:
        self._repo = repo

    async def export(self, ids: CustomerIds) -> Exported:
        rows = await self._repo.of_customer(ids.merchant_id, ids.identities_all)
        return Exported(records=[r.view() for r in rows])

    async def erase(self, ids: CustomerIds) -> Erased:
        n = await self._repo.erase(ids.merchant_id, sorted(ids.identities_all))
        return Erased(deleted=n)
