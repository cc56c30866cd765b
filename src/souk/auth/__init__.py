"""Access tokens and API keys."""
