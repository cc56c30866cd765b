"""The voice pipeline's processors: VAD -> turn-taking -> responder -> output."""
