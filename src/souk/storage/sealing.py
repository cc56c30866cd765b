"""Column-level encryption hook of the repositories (issue 17 part 7): a repository given a ValueSealer stores
the texts it names sealed under the merchant's data key (souk.privacy.keys.KeyRing implements it) and opens
them on read. A value stored before encryption was on reads as it is; a sealed value read by a process
without keys is a clear error, never ciphertext handed on as if it were the text."""

from __future__ import annotations

from typing import Protocol

from souk.core.errors import SoukError

SEALED_PREFIX = "enc1:"  # souk.privacy.crypto.VALUE_PREFIX


class ValueSealer(Protocol):
    async def seal(self, merchant_id: str, purpose: str, text: str) -> str: ...
    async def open(self, merchant_id: str, purpose: str, value: str) -> str: ...


async def seal(sealer: ValueSealer | None, merchant_id: str, purpose: str, text: str) -> str:
    return text if sealer is None else await sealer.seal(merchant_id, purpose, text)


async def unseal(sealer: ValueSealer | None, merchant_id: str, purpose: str, value: str) -> str:
    if not value.startswith(SEALED_PREFIX):
        return value
    if sealer is None:
        raise SoukError(f"a {purpose} of {merchant_id} is encrypted at rest and this process has no keys "
                        "(open storage with [privacy] encrypt_at_rest and the master key)", code="sealed_value")
    return await sealer.open(merchant_id, purpose, value)
