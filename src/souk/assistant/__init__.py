"""The commerce assistant: where the agent engine meets the store (tools, offline brain, LLM brain)."""
