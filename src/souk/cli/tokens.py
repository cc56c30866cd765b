"""``souk token revoke JTI|--token TOKEN``: revoke an access token of any merchant (operator command).

It writes the server's revocation store: Redis when redis_url is set, else ``<data_dir>/revoked_tokens.db``,
so run it with the server's settings. Every node refuses the token at once on its next check and closes
the sockets it opened (4403 ``token_revoked``) within Settings.limits.revocation_poll_s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from souk.auth.revocation import revocations_from_settings
from souk.core.errors import BadRequest
from souk.core.settings import Settings


def revoke(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_revoke(args.jti, args.revoke_token, settings))


async def _revoke(jti: str | None, token: str | None, settings: Settings) -> int:
    from souk.api.bootstrap import token_service

    if (jti is None) == (token is None):
        raise BadRequest("give the token id (souk token revoke JTI) or --token TOKEN", code="revoke_what")
    if token is not None:
        claims = token_service(settings).decode_unchecked_expiry(token)
        if not claims.token_id:
            raise BadRequest("this token has no id (minted before ids existed); it ends at its expiry",
                             code="token_without_id")
        jti, merchant, until = claims.token_id, claims.merchant_id, claims.expires_at
    else:
        jti = jti or ""
        merchant, until = "", time.time() + settings.auth.max_token_ttl_s  # outlives any token it could name
    store = revocations_from_settings(settings.redis_url, settings.data_path)
    try:
        added = await store.revoke(jti, merchant, until)
    finally:
        await store.aclose()
    print(json.dumps({"jti": jti, "revoked": added, "until": until}))
    return 0
