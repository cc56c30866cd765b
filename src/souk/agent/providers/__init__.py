"""Speech providers behind small Protocols: VAD, speech-to-text, text-to-speech (offline and HTTP)."""
