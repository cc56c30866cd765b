"""What the agent is playing right now: the current utterance's frames, the play cursor, pause/resume.

Shared by the responder (which starts utterances) and the output processor (which paces frames out in real
time, a little ahead of playback, and moves the cursor). Played position is derived from the clock: frame
``i`` plays at ``start_t + i * 20 ms`` on the listener's side.
"""

from __future__ import annotations

from souk.agent.echo import EchoReference
from souk.agent.frames import FRAME_BYTES, FRAME_MS
from souk.agent.handle import UtteranceHandle
from souk.core.clock import Clock

FRAME_S = FRAME_MS / 1000
SAMPLES_PER_FRAME = FRAME_BYTES // 2


class Playback:
    def __init__(self, clock: Clock, echo: EchoReference, *, lead_s: float = 0.06,
                 max_frames: int = 50 * 300) -> None:
        self.clock = clock
        self.echo = echo
        self.lead_s = lead_s
        self.max_frames = max_frames  # 5 minutes of audio per utterance at most
        self.handle: UtteranceHandle | None = None
        self.frames: list[bytes] = []
        self.cursor = 0
        self.start_t = 0.0
        self.paused = False
        self.first_frame_t = 0.0

    @property
    def speaking(self) -> bool:
        """Audio is going out (or about to): user speech now is a barge-in."""
        if self.handle is None or self.paused:
            return False
        return self.cursor < len(self.frames) or not self.handle.synthesis_done or (
            self.clock.now() < self.start_t + len(self.frames) * FRAME_S)

    def begin(self, handle: UtteranceHandle) -> None:
        self.handle = handle
        self.frames = []
        self.cursor = 0
        self.start_t = 0.0
        self.paused = False
        self.first_frame_t = 0.0

    def append(self, pcm: bytes) -> None:
        for i in range(0, len(pcm), FRAME_BYTES):
            if len(self.frames) >= self.max_frames:
                return
            f = pcm[i:i + FRAME_BYTES]
            self.frames.append(f if len(f) == FRAME_BYTES else f + bytes(FRAME_BYTES - len(f)))

    def played_frames(self) -> int:
        if self.cursor == 0:
            return 0
        return max(0, min(self.cursor, int((self.clock.now() - self.start_t) / FRAME_S)))

    def pause(self) -> int:
        """Stop sending; rewind the cursor to what was actually played. Returns the frames played."""
        played = self.played_frames()
        self.cursor = played
        self.paused = True
        if self.handle is not None:
            self.handle.mark_played(played * SAMPLES_PER_FRAME)
        # the reference is kept: audio already sent may still be playing (and leaking back) until the
        # client flushes on the "interrupted" event
        return played

    def resume(self) -> None:
        self.paused = False
        self.start_t = self.clock.now() + self.lead_s - self.cursor * FRAME_S

    def finish(self) -> UtteranceHandle | None:
        """Drop the current utterance (played to the end, or cut off); returns it."""
        h = self.handle
        self.handle = None
        self.frames = []
        self.cursor = 0
        self.paused = False
        return h
