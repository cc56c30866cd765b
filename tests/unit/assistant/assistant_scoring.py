"""The eval set's pass rule (same as shared/eval/score_agent.py), for our own case files."""

from __future__ import annotations

import re
from typing import Any

STOPWORDS = {
    "en": {"the", "your", "you", "is", "and", "to", "of", "for", "order", "it", "we", "can", "a", "in", "be", "are"},
    "es": {"el", "la", "los", "las", "de", "que", "su", "tu", "es", "en", "y", "por", "para", "pedido", "con", "un",
           "una", "se", "días"},
    "id": {"yang", "dan", "anda", "untuk", "dengan", "pesanan", "ini", "di", "ke", "dari", "akan", "bisa", "kami",
           "hari"},
    "pt": {"o", "a", "os", "de", "que", "seu", "você", "para", "com", "não", "um", "uma", "pedido"},
}


def script_language(text: str) -> str:
    arabic = len(re.findall(r"[\u0600-\u06FF]", text))
    cjk = len(re.findall(r"[\u4E00-\u9FFF]", text))
    letters = len(re.findall(r"[A-Za-zÀ-ÿ]", text))
    if arabic > max(cjk, letters // 3):
        return "ar"
    if cjk > max(arabic, letters // 6):
        return "zh"
    words = re.findall(r"[a-záéíóúñüàãõçê]+", text.lower())
    scores = {lang: sum(w in sw for w in words) for lang, sw in STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else "unknown"


def check(case: dict[str, Any], replies: list[dict[str, Any]]) -> list[str]:
    exp = case["expect"]
    if len(replies) != len(case["turns"]):
        return [f"{len(replies)} replies for {len(case['turns'])} turns"]
    problems = []
    last = replies[-1].get("text") or ""
    low = last.lower()
    for group in exp["facts_all"]:
        if not any(alt.lower() in low for alt in group):
            problems.append(f"missing one of {group}")
    for bad in exp["facts_none"]:
        if any(bad.lower() in (r.get("text") or "").lower() for r in replies):
            problems.append(f"contains forbidden {bad!r}")
    handoff = next((r.get("handoff") for r in reversed(replies) if r.get("handoff")), None)
    if handoff != exp["handoff"]:
        problems.append(f"handoff {handoff!r}, expected {exp['handoff']!r}")
    lang = script_language(last)
    if lang != case["lang"]:
        problems.append(f"reply language {lang}, expected {case['lang']}")
    return problems
