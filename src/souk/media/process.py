"""A child process Souk runs and keeps alive: Janus (:mod:`souk.media.supervisor`), coturn (:mod:`souk.media.turn`).

:class:`Supervised` starts the binary (under ``setpriv --pdeathsig KILL`` when available, so it dies with
Souk even on ``kill -9``), waits until its own health check answers, then watches it: when it exits it is
restarted with exponential backoff (reset after a stable run); when ``health_failures_before_kill`` checks
in a row fail it is killed, and the watcher restarts it. A subclass says what to run and how to check it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
from pathlib import Path

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, SoukError, Unavailable
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

HEALTH_FAILURES_BEFORE_KILL = 3
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 30.0


class Supervised:
    """One supervised child process. Subclasses set the class attributes and implement :meth:`argv`,
    :meth:`health` and, if they need it, :meth:`restarted`."""

    name = "process"  # in log lines and errors
    install_hint = ""  # what to install when the binary is missing
    ready_timeout_s = 10.0
    ready_check_timeout_s = 1.0  # one health check while starting
    stop_grace_s = 3.0  # SIGTERM, then SIGKILL after this
    log_stdout = False  # the child's stdout/stderr go to ``log_path`` (else it writes its own log there)

    def __init__(self, *, workdir: Path, log_path: Path, binary: str, restart_backoff_s: float,
                 clock: Clock | None = None, health_every_s: float = 5.0, health_timeout_s: float = 1.0) -> None:
        self.workdir = workdir
        self.log_path = log_path
        self.binary = binary
        self.restart_backoff_s = restart_backoff_s
        self.clock = clock or SystemClock()
        self.health_every_s = health_every_s
        self.health_timeout_s = health_timeout_s
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks = TaskOwner(f"{self.name}-supervisor")
        self._closing = False
        self._started_at = 0.0

    # what a subclass provides ---------------------------------------------------------------------

    def argv(self) -> list[str]:
        raise NotImplementedError

    async def health(self, timeout: float) -> object:
        """One check; raises a SoukError (Unavailable, Timeout) when the process does not answer."""
        raise NotImplementedError

    def restarted(self) -> None:
        """Called after each restart that came up healthy."""

    def describe(self) -> str:
        """Where it listens, for the start-up log line."""
        return ""

    # the process ------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def _missing(self) -> ConfigError:
        return ConfigError(f"{self.name} binary {self.binary!r} not found ({self.install_hint})")

    async def _launch(self) -> None:
        """Start the process (its config already written), wait until healthy, then watch it."""
        if self._closing:
            raise Unavailable(f"{self.name} supervisor is closed")
        if shutil.which(self.binary) is None:
            raise self._missing()
        await self._spawn_and_wait()
        self._tasks.spawn(self._watch(), "watch")
        if self.health_every_s > 0:
            self._tasks.spawn(self._health_loop(), "health")

    async def _spawn_and_wait(self) -> None:
        argv = self.argv()
        if shutil.which("setpriv"):
            argv = ["setpriv", "--pdeathsig", "KILL", "--", *argv]  # dies with us, even on kill -9
        self.workdir.mkdir(parents=True, exist_ok=True)
        out = await asyncio.to_thread(open, self.log_path, "ab") if self.log_stdout else None
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out or asyncio.subprocess.DEVNULL,
                stderr=out or asyncio.subprocess.DEVNULL, start_new_session=True, cwd=self.workdir)
        except FileNotFoundError as exc:
            raise self._missing() from exc
        finally:
            if out is not None:
                out.close()  # the child keeps its own copy of the descriptor
        self._started_at = self.clock.now()
        log.info("%s started pid=%s %s log=%s", self.name, self._proc.pid, self.describe(), self.log_path)
        try:
            await self._wait_ready()
        except BaseException:
            await self._kill()
            raise

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout_s
        last: Exception | None = None
        while loop.time() < deadline:
            if self._proc is None or self._proc.returncode is not None:
                code = self._proc.returncode if self._proc else None
                raise Unavailable(f"{self.name} exited with {code} while starting; log: {self.log_tail()}")
            try:
                await self.health(self.ready_check_timeout_s)
                return
            except SoukError as exc:
                last = exc
                await asyncio.sleep(0.05)
        raise Unavailable(f"{self.name} did not answer within {self.ready_timeout_s}s ({last}); "
                          f"log: {self.log_tail()}")

    async def _watch(self) -> None:
        backoff = self.restart_backoff_s
        while not self._closing:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._closing:
                return
            uptime = self.clock.now() - self._started_at
            if uptime > STABLE_AFTER_S:
                backoff = self.restart_backoff_s
            log.error("%s pid=%s exited with %s after %.1fs; restarting in %.1fs", self.name, proc.pid, code,
                      uptime, backoff)
            await self.clock.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            try:
                await self._spawn_and_wait()
            except SoukError as exc:
                log.error("%s restart failed: %s", self.name, exc)
                continue
            self.restarts += 1
            self.restarted()

    async def _health_loop(self) -> None:
        failures = 0
        while not self._closing:
            await self.clock.sleep(self.health_every_s)
            if not self.running:
                failures = 0
                continue
            try:
                await self.health(self.health_timeout_s)
                failures = 0
            except SoukError as exc:
                failures += 1
                log.warning("%s health check failed (%d): %s", self.name, failures, exc)
                if failures >= HEALTH_FAILURES_BEFORE_KILL:
                    log.error("%s unresponsive; killing pid=%s", self.name, self.pid)
                    failures = 0
                    await self._kill()

    async def _kill(self, grace_s: float = 0.0) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if grace_s > 0:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace_s)
                return
            except TimeoutError:
                log.warning("%s pid=%s ignored SIGTERM for %.1fs; killing", self.name, proc.pid, grace_s)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:])

    async def aclose(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after ``stop_grace_s``) and the watchers. Idempotent."""
        if self._closing:
            await self._tasks.aclose()
            return
        self._closing = True
        await self._tasks.aclose()
        await self._kill(grace_s=self.stop_grace_s)
        log.info("%s stopped", self.name)
