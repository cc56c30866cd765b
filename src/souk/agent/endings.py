"""Words a sentence does not end on: the lexical half of the end-of-turn decision.

The end-of-turn model reads prosody only; a speaker who pauses after "Is it possible to" can sound finished
to it (measured: 0.96 on such a pause). When the speculative transcript of the pause is ready, a last word
that is an article, a preposition, a conjunction or a possessive vetoes an early end of turn: the floor
stays open until the pause is longer than an inner pause (the detector asks the model again) or the silence
cap. These are grammar words of each language, not facts about any store.
"""

from __future__ import annotations

import re


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_ENDINGS: dict[str, frozenset[str]] = {
    # conservative: no auxiliaries, copulas or pronouns ("yes I do", "that's what it is", "I like that"),
    # no particles of phrasal verbs ("log in", "turn it on"); a wrong veto only costs the early answer
    "en": _words("a an the to of for with from into onto than and or but nor if because my your our their "
                    "his her its which whose where very"),
    "es": _words("el la los las un una unos unas de del a al en con sin para por y e o u ni pero que porque "
                    "mi mis tu tus su sus nuestro nuestra muy"),
    "pt": _words("o a os as um uma uns umas de do da dos das em no na nos nas com sem para por e ou mas que "
                    "porque meu minha seu sua muito"),
    "id": _words("yang dan atau tetapi tapi di ke dari untuk dengan pada oleh karena kalau jika bahwa"),
    "ar": _words("في من إلى الى على عن مع أن ان لكن أو او ثم لأن"),
}
# Chinese has no spaces: the last character
_ZH_ENDINGS = frozenset("的和跟与把给在从到对被为向比")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def looks_unfinished(text: str, language: str | None) -> bool:
    """True when ``text`` ends on a word no sentence of ``language`` ends on (unknown language: False)."""
    lang = (language or "").split("-")[0].lower()
    t = text.strip()
    if not t:
        return False
    if lang == "zh":
        chars = [c for c in t if c.isalnum()]
        return bool(chars) and chars[-1] in _ZH_ENDINGS
    words = _WORD.findall(t.lower())
    if len(words) < 2:  # "What?", "Where?": a one-word turn can end on anything
        return False
    return words[-1] in _ENDINGS.get(lang, frozenset())
