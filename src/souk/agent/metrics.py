"""Per-turn timing: where the time between the user's last word and the agent's first sound goes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TurnMetrics:
    turn_id: int
    speech_end: float  # end of the last speech window (clock time)
    vad_end: float = 0.0  # end of turn confirmed
    stt_done: float = 0.0
    brain_done: float = 0.0
    tts_first: float = 0.0  # first clause synthesized
    first_audio_out: float = 0.0  # first agent frame handed to the transport
    stt_audio_s: float = 0.0
    stt_speculative: bool = False
    eot_reason: str = ""  # "model", "cap", "silence", "max" (see frames.EndOfTurn)
    eot_probability: float = -1.0  # the end-of-turn model's last verdict (-1: not asked)
    smart_turn_ms: float = 0.0  # the model's time on that verdict

    def as_ms(self) -> dict[str, float]:
        """Each stage's time in ms after the end of the user's speech (0 when it did not happen)."""
        out: dict[str, float] = {}
        for name in ("vad_end", "stt_done", "brain_done", "tts_first", "first_audio_out"):
            v = getattr(self, name)
            out[f"{name}_ms"] = round((v - self.speech_end) * 1000, 1) if v else 0.0
        out["stt_audio_s"] = round(self.stt_audio_s, 2)
        out["stt_speculative"] = 1.0 if self.stt_speculative else 0.0
        if self.eot_probability >= 0:
            out["smart_turn_ms"] = round(self.smart_turn_ms, 1)
            out["eot_probability"] = round(self.eot_probability, 3)
        if self.eot_reason:
            out["eot_by_model"] = 1.0 if self.eot_reason == "model" else 0.0
        return out
