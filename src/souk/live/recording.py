"""Recording of live shows: a stage listener that converts Janus .mjr files into playable files.

Metadata is a manifest JSON next to the files (no DB table yet):
``<recordings_dir>/<merchant>/<room>/<show_id>/manifest.json``, written atomically (tmp + rename).
Status: ``recording`` (show live) -> ``processing`` (show ended, converting) -> ``ready`` | ``failed``
(with ``reason``). Conversion runs off the request path (TaskOwner), at most ``max_jobs`` at once.
See docs/live-recording.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from souk.core.errors import NotFound, SoukError
from souk.core.tasks import TaskOwner
from souk.live.stage import Show

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_MJR = re.compile(r"^(?P<prefix>.+-\d+)-(?P<kind>video|audio)-\d+\.mjr$")
TAIL = 400  # chars of converter stderr kept in a failure reason
MIN_RATIO = 0.5  # an output shorter than half the show (minus slack) counts as short
SLACK_S = 2.0
CLOSE_WAIT_S = 10.0  # how long the .mjr.tmp files of a just-ended show may take to close


class SealedReader(Protocol):
    """An encrypted recording file opened for reading (souk.privacy.vault.SealedFile)."""

    @property
    def size(self) -> int: ...
    def iter_range(self, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...


class FileSealer(Protocol):
    """Encryption at rest of finished recordings (souk.privacy.vault.FileVault): ``seal`` replaces ``path`` by
    ``path.enc`` under the merchant's data key; ``open`` reads one back."""

    async def seal(self, merchant_id: str, path: Path, purpose: str = "recording") -> Path: ...
    async def open(self, merchant_id: str, path: Path) -> SealedReader: ...


SEALED_SUFFIX = ".enc"


class ConversionError(Exception):
    """One step of the pipeline failed; ``reason`` goes to the manifest as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Binaries:
    pp_rec: str = "janus-pp-rec"
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"


def write_manifest(folder: Path, data: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, folder / MANIFEST)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise NotFound("no such recording", code="recording_not_found") from None
    return data


async def _run(args: list[str], timeout: float = 600.0) -> tuple[int, str, str]:
    try:
        proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except (FileNotFoundError, PermissionError) as exc:
        raise ConversionError(f"binary {args[0]!r} not runnable: {exc.strerror or exc}") from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ConversionError(f"{Path(args[0]).name} timed out after {timeout:.0f}s") from None
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


async def _step(args: list[str]) -> None:
    rc, out, err = await _run(args)
    if rc != 0:
        tail = (err or out).strip()[-TAIL:]
        raise ConversionError(f"{Path(args[0]).name} exited {rc}: {tail}")


class Recorder:
    """Stage listener: ``show_started`` / ``feed_published`` / ``show_ended``; plus read access for the API."""

    def __init__(self, root: Path, binaries: Binaries | None = None, *, max_jobs: int = 1,
                 sealer: FileSealer | None = None) -> None:
        self.root = Path(root)
        self.bin = binaries or Binaries()
        self.sealer = sealer  # encryption at rest of finished recordings (None: files stay plain)
        self._tasks = TaskOwner("recorder")
        self._slots = asyncio.Semaphore(max_jobs)

    async def aclose(self) -> None:
        await self._tasks.aclose()

    def folder(self, merchant_id: str, room_id: str, show_id: str) -> Path:
        for part in (merchant_id, room_id, show_id):
            if not part or "/" in part or part in (".", ".."):
                raise NotFound("no such recording", code="recording_not_found")
        return self.root / merchant_id / room_id / show_id

    @staticmethod
    def recording_id(show: Show) -> str:
        return f"{show.room_id}.{show.show_id}"

    # ---- stage listener ----
    async def show_started(self, show: Show) -> None:
        if not show.recording:
            return
        write_manifest(self.folder(show.merchant_id, show.room_id, show.show_id), self._new_manifest(show))
        log.info("recording %s: started", self.recording_id(show))

    def _new_manifest(self, show: Show) -> dict[str, Any]:
        return {"id": self.recording_id(show), "merchant": show.merchant_id, "room": show.room_id,
                "show_id": show.show_id, "title": show.title, "host": show.host, "started_at": show.started_at,
                "ended_at": None, "status": "recording", "reason": None, "participants": [], "feeds": {}}

    async def feed_published(self, show: Show, identity: str, feed_id: int) -> None:
        if not show.recording:
            return
        folder = self.folder(show.merchant_id, show.room_id, show.show_id)
        try:
            data = read_manifest(folder)
        except NotFound:
            return
        data["feeds"][str(feed_id)] = identity
        write_manifest(folder, data)

    async def show_ended(self, show: Show) -> None:
        if not show.recording:
            return
        folder = self.folder(show.merchant_id, show.room_id, show.show_id)
        try:
            data = read_manifest(folder)
        except NotFound:  # no manifest from the start: write a whole one now
            data = self._new_manifest(show)
        data.update(status="processing", ended_at=show.ended_at, reason=None)
        write_manifest(folder, data)
        self._tasks.spawn(self.convert(folder), name=f"convert:{data['id']}")

    # ---- conversion ----
    async def convert(self, folder: Path) -> dict[str, Any]:
        async with self._slots:
            data = read_manifest(folder)
            try:
                data["participants"] = await self._convert(folder, data)
                if self.sealer is not None:
                    await self._seal(folder, data)
                data.update(status="ready", reason=None)
                log.info("recording %s: ready (%d files)", data["id"], len(data["participants"]))
            except ConversionError as exc:
                data.update(status="failed", reason=exc.reason)
                log.error("recording %s: failed: %s", data["id"], exc.reason)
                if self.sealer is not None:  # no plaintext left behind by a failed one either
                    await self._seal_failed(folder, data)
            write_manifest(folder, data)
            return data

    async def _convert(self, folder: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
        for _ in range(int(CLOSE_WAIT_S / 0.1)):  # Janus renames .mjr.tmp -> .mjr when a recorder closes
            if not any(folder.glob("*.mjr.tmp")):
                break
            await asyncio.sleep(0.1)
        groups: dict[str, dict[str, Path]] = {}
        for f in sorted(folder.iterdir()):
            mt = _MJR.match(f.name)
            if mt:
                groups.setdefault(mt["prefix"], {})[mt["kind"]] = f
        pending = [f.name for f in folder.glob("*.mjr.tmp")]
        if not groups:
            extra = f" (still open: {', '.join(pending)})" if pending else ""
            raise ConversionError(f"no .mjr files in the show folder{extra}")
        length = max(0.0, float(data.get("ended_at") or 0) - float(data.get("started_at") or 0))
        out: list[dict[str, Any]] = []
        for prefix, parts in groups.items():
            if "video" not in parts:
                raise ConversionError(f"{prefix}: video .mjr missing")
            video = folder / f"{prefix}.video.webm"
            await _step([self.bin.pp_rec, str(parts["video"]), str(video)])
            inputs = ["-i", str(video)]
            if "audio" in parts:
                audio = folder / f"{prefix}.audio.opus"
                await _step([self.bin.pp_rec, str(parts["audio"]), str(audio)])
                inputs += ["-i", str(audio)]
            final = folder / f"{prefix}.webm"
            await _step([self.bin.ffmpeg, "-y", "-loglevel", "error", *inputs, "-c", "copy", str(final)])
            duration = await self._check(final, length)
            identity = prefix.rsplit("-", 1)[0]
            out.append({"identity": identity, "file": final.name, "duration_s": round(duration, 2),
                        "main": identity == data.get("host")})
        if not any(p["main"] for p in out):
            out[0]["main"] = True
        return out

    async def _seal(self, folder: Path, data: dict[str, Any]) -> None:
        """Encrypt the playable files and Janus's .mjr sources; the intermediate per-track files go."""
        assert self.sealer is not None  # the caller checked
        finals = {p["file"] for p in data["participants"]}
        try:
            for f in sorted(folder.iterdir()):
                if f.name in finals or f.suffix == ".mjr":
                    await self.sealer.seal(data["merchant"], f)
                elif f.name.endswith((".video.webm", ".audio.opus")):
                    f.unlink()
        except (SoukError, OSError) as exc:
            raise ConversionError(f"encryption at rest failed: {exc}") from exc
        data["encrypted"] = True

    async def _seal_failed(self, folder: Path, data: dict[str, Any]) -> None:
        """Encrypt what a failed conversion leaves (Janus's sources, partial outputs); a file that cannot be
        sealed is logged and kept (the retention purge removes the folder)."""
        assert self.sealer is not None  # the caller checked
        for f in sorted(folder.iterdir()):
            if f.name == MANIFEST or f.name.startswith(".") or f.name.endswith((SEALED_SUFFIX, ".tmp")):
                continue
            try:
                await self.sealer.seal(data["merchant"], f)
            except (SoukError, OSError) as exc:
                log.error("recording %s: %s left unencrypted: %s", data["id"], f.name, exc)
        data["encrypted"] = True

    async def media(self, merchant_id: str, folder: Path, name: str) -> Path | SealedReader:
        """A recording file: its path when plain, an opened reader when it was encrypted at rest."""
        plain = folder / name
        sealed = folder / (name + SEALED_SUFFIX)
        if not plain.exists() and sealed.exists():
            if self.sealer is None:
                raise SoukError(f"recording file {name} is encrypted and this process has no keys",
                                code="recording_sealed")
            return await self.sealer.open(merchant_id, sealed)
        return plain

    async def _check(self, f: Path, length: float) -> float:
        if not f.exists() or f.stat().st_size == 0:
            raise ConversionError(f"{f.name}: output missing or empty")
        rc, out, err = await _run([self.bin.ffprobe, "-v", "error", "-show_entries", "format=duration",
                                   "-of", "default=nw=1:nk=1", str(f)])
        try:
            duration = float(out.strip())
        except ValueError:
            raise ConversionError(f"{f.name}: ffprobe gave no duration (exit {rc}): {err.strip()[-TAIL:]}") from None
        if duration <= 0 or (length > 0 and duration < length * MIN_RATIO - SLACK_S):
            raise ConversionError(f"{f.name}: too short ({duration:.1f}s for a {length:.1f}s show)")
        return duration

    # ---- read side ----
    def list_room(self, merchant_id: str, room_id: str) -> list[dict[str, Any]]:
        base = self.root / merchant_id / room_id
        found = []
        if "/" in merchant_id or "/" in room_id or not base.is_dir():
            return []
        for d in sorted(base.iterdir()):
            if (d / MANIFEST).is_file():
                found.append(read_manifest(d))
        return found

    def get(self, merchant_id: str, recording_id: str) -> tuple[Path, dict[str, Any]]:
        room, _, show_id = recording_id.partition(".")
        folder = self.folder(merchant_id, room, show_id)
        return folder, read_manifest(folder)
