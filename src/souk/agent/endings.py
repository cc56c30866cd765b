"""Words a sentence does not end on: the lexical half of the end-of-turn decision.

The end-of-turn model reads prosody only; a speaker who pauses after "Is it possible to" can sound finished
to it (measured: 0.96 on such a pause). When the speculative transcript of the pause is ready, a last word
that is an article, a preposition, a conjunction or a possessive vetoes an early end of turn: the floor
stays open until the pause is longer than an inner pause (the detector asks the model again) or the silence
cap. These are grammar words of each language, not facts about any store.

The other half is the speech-to-text decoder's own doubt (:func:`doubted_ending`): on audio cut at an inner
pause Whisper often completes the sentence with a word nobody said ("I want to change the date.", "how much
it?") and a full stop or question mark it is unsure of. Measured on the bench's speech
(``python -m souk.bench.agent.turn_replay``, 8 VAD window alignments): the inner pauses that the model
called finished and the word list missed ended on "?" at p 0.33, on a last word at p 0.18-0.37 ("data",
"date", "it") or "." at 0.47; the thresholds below are the ones that cut none of those 80 inner pauses
while answering the most finished sentences at the first check (a finished one the decoder doubts waits
for the re-check past the inner pause, ~600 ms). A transcript with no terminal punctuation says
nothing here (espeak speech in es/zh/ar/id often comes out as such noise, finished or not).
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


DOUBTED_END_P = 0.5  # terminal punctuation less likely than this: the decoder doubts the sentence ended
DOUBTED_WORD_P = 0.4  # a last word less likely than this before the punctuation: probably invented


def doubted_ending(end_p: float | None, last_word_p: float | None) -> bool:
    """True when the transcript ends on punctuation the decoder doubts, or on a word it likely invented.

    ``end_p``: the terminal punctuation token's probability (0.0: the text has none; None: unknown);
    ``last_word_p``: the least probable token of the last word. No punctuation or no scores: False."""
    if not end_p or last_word_p is None:
        return False
    return end_p < DOUBTED_END_P or last_word_p < DOUBTED_WORD_P


CONFIDENT_END_P = 0.7
CONFIDENT_WORD_P = 0.5


def confident_ending(end_p: float | None, last_word_p: float | None) -> bool:
    """True when the transcript ends on terminal punctuation the decoder is sure of, after a word it is
    sure of (the evidence that lets a long pause end a turn the prosody model still calls unfinished)."""
    if end_p is None or last_word_p is None:
        return False
    return end_p >= CONFIDENT_END_P and last_word_p >= CONFIDENT_WORD_P


SURE_END_P = 0.85
SURE_WORD_P = 0.85


def sure_ending(end_p: float | None, last_word_p: float | None) -> bool:
    """True when the decoder is very sure of both the terminal punctuation and the last word: the evidence that
    lets a short pause end a turn the model calls only likely finished (``TurnConfig.sure_text_threshold``).

    Measured on the bench's speech: the one inner pause with such a transcript ("Do you have this jacket?"
    before "in a larger size?") had model probabilities <= 0.23 in its first 224 ms; finished questions the
    model doubted at 0.44-0.56 ("When will my refund arrive?") had it."""
    if end_p is None or last_word_p is None:
        return False
    return end_p >= SURE_END_P and last_word_p >= SURE_WORD_P
