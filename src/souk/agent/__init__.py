"""The conversational AI engine: frames, pipeline, turn-taking, providers, transports. No commerce."""
