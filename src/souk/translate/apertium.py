"""Offline translation with Debian's Apertium pairs (``apt-get install apertium apertium-eng-spa ...``).

Rule-based, gist quality (docs/translation.md shows examples). Each installed mode is one direction:
``apertium -l`` lists them (``eng-spa``, ``spa-eng``, ``fr-es``, ``es-pt``...); a package does not always
translate both ways, so the directions come from the modes really installed, never from the package name.
One ``apertium -u MODE`` process translates a whole batch: the texts go in separated by marker lines
``[[#n]]``, which Apertium passes through unchanged (about 0.1-0.2 s a call, mostly process start).
With ``pivot`` (default ``es``), a direction with no mode of its own but both legs through the pivot is served
in two hops (en -> es -> pt, pt -> es -> en, en -> es -> fr): gist of gist, better than nothing for a reader.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Sequence

from souk.translate.types import ProviderMalformed, ProviderUnavailable

log = logging.getLogger(__name__)

# Apertium's ISO 639-3 (or -1) codes -> ISO 639-1
_ISO1 = {"eng": "en", "spa": "es", "fra": "fr", "por": "pt", "cat": "ca", "ita": "it", "glg": "gl",
         "ron": "ro", "eus": "eu", "ind": "id", "zlm": "ms", "deu": "de", "nld": "nl", "afr": "af",
         "dan": "da", "nob": "nb", "nno": "nn", "swe": "sv", "isl": "is", "rus": "ru", "bel": "be",
         "ukr": "uk", "oci": "oc", "arg": "an", "srd": "sc", "epo": "eo", "hbs": "sh", "mkd": "mk",
         "bul": "bg", "slv": "sl", "pol": "pl", "szl": "szl", "hin": "hi", "urd": "ur", "kaz": "kk",
         "tat": "tt", "ara": "ar", "mlt": "mt", "heb": "he", "tur": "tr", "cym": "cy", "bre": "br"}
_MODE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})(_[A-Za-z]+)?$")
_SPLIT = re.compile(r"\s*\[\[#(\d+)\]\]\s*")


def parse_modes(listing: str) -> dict[tuple[str, str], str]:
    """``apertium -l`` output -> {(src, dst): mode}; plain modes win over regional variants (``es-pt_BR``)."""
    found: dict[tuple[str, str], str] = {}
    for raw in listing.split():
        m = _MODE.match(raw.strip())
        if not m:
            continue  # e.g. "eco-fr-es" (an experimental chain) or a debug mode
        src, dst = _ISO1.get(m.group(1), m.group(1)), _ISO1.get(m.group(2), m.group(2))
        if len(src) != 2 or len(dst) != 2:
            continue
        if m.group(3) and (src, dst) in found:
            continue
        if not m.group(3) or (src, dst) not in found:
            found[(src, dst)] = raw.strip()
    return found


def pivoted(modes: dict[tuple[str, str], str], pivot: str) -> set[tuple[str, str]]:
    """The directions served in two hops through ``pivot`` (those without a mode of their own)."""
    if not pivot:
        return set()
    into = {s for (s, d) in modes if d == pivot}
    out_of = {d for (s, d) in modes if s == pivot}
    return {(s, d) for s in into for d in out_of if s != d and (s, d) not in modes}


def join_batch(texts: Sequence[str]) -> str:
    return "".join(f"[[#{i}]]\n{t}\n" for i, t in enumerate(texts))


def split_batch(output: str, count: int) -> list[str]:
    parts = _SPLIT.split(output)
    # parts: [before, "0", text0, "1", text1, ...]
    if len(parts) != 2 * count + 1 or parts[0].strip():
        raise ProviderMalformed("apertium lost the batch markers", code="translate_malformed")
    out: list[str] = []
    for i in range(count):
        if parts[1 + 2 * i] != str(i):
            raise ProviderMalformed("apertium reordered the batch markers", code="translate_malformed")
        out.append(parts[2 + 2 * i].strip())
    return out


class ApertiumProvider:
    name = "apertium"

    def __init__(self, *, binary: str = "apertium", concurrency: int = 2, pivot: str = "es") -> None:
        self.binary = binary
        self.pivot = pivot
        self._modes: dict[tuple[str, str], str] | None = None
        self._gate = asyncio.Semaphore(concurrency)

    async def modes(self) -> dict[tuple[str, str], str]:
        if self._modes is None:
            if shutil.which(self.binary) is None:
                log.warning("apertium: %r not found; the offline provider translates nothing", self.binary)
                self._modes = {}
            else:
                out, _ = await self._run(["-l"], "")
                self._modes = parse_modes(out)
        return self._modes

    async def directions(self) -> frozenset[tuple[str, str]]:
        modes = await self.modes()
        return frozenset(modes) | frozenset(pivoted(modes, self.pivot))

    async def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        modes = await self.modes()
        mode = modes.get((src, dst))
        if mode is None:
            if (src, dst) in pivoted(modes, self.pivot):
                return await self.translate(await self.translate(texts, src, self.pivot), self.pivot, dst)
            raise ProviderUnavailable(f"no apertium mode for {src}->{dst}", code="translate_unavailable_pair")
        if not texts:
            return []
        if len(texts) > 1 and any("[[#" in t for t in texts):  # a text that looks like a marker: one by one
            return [(await self.translate([t], src, dst))[0] for t in texts]
        if len(texts) == 1 and "[[#" in texts[0]:
            out, _ = await self._run(["-u", mode], texts[0])
            return [out.strip()]
        out, _ = await self._run(["-u", mode], join_batch(texts))
        return split_batch(out, len(texts))

    async def _run(self, args: list[str], stdin: str) -> tuple[str, str]:
        async with self._gate:
            try:
                proc = await asyncio.create_subprocess_exec(
                    self.binary, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE)
            except OSError as exc:
                raise ProviderUnavailable(f"apertium could not start: {exc}", code="translate_unavailable") from exc
            try:
                out, err = await proc.communicate(stdin.encode("utf-8"))
            except BaseException:  # cancelled (latency budget): leave no process behind
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
                raise
        if proc.returncode != 0:
            raise ProviderUnavailable(f"apertium {' '.join(args)} exited {proc.returncode}: "
                                      f"{err.decode('utf-8', 'replace')[:200]}", code="translate_failed")
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    async def aclose(self) -> None:
        return None
