"""Re-encryption of sealed columns after a key rotation (``souk privacy rotate-key --reencrypt``): every sealed
desk event body of the merchant written under another key is opened and sealed again under the active key, in
batches, each batch in its own transaction (a body changed meanwhile is left for the next run)."""

from __future__ import annotations

import sqlalchemy as sa

from souk.storage.repos.base import Repo
from souk.storage.schema import desk_events
from souk.storage.sealing import SEALED_PREFIX, ValueSealer

PURPOSE = "desk_event"  # souk.storage.repos.desk.PURPOSE
BATCH = 500


class SqlResealRepo(Repo):
    async def reseal_desk_events(self, merchant_id: str, sealer: ValueSealer, active_key_id: str, *,
                                 batch: int = BATCH) -> int:
        """Seal again under ``active_key_id`` every body sealed under another key; plain bodies are sealed too.
        Returns how many bodies changed."""
        e = desk_events.c
        current = f"{SEALED_PREFIX}{active_key_id}:"
        changed, after = 0, ("", 0)
        while True:
            async with self._db.read() as conn:
                rows = (await conn.execute(
                    sa.select(e.conversation_id, e.seq, e.body)
                    .where(e.merchant_id == merchant_id,
                           sa.tuple_(e.conversation_id, e.seq) > sa.tuple_(after[0], after[1]))
                    .order_by(e.conversation_id, e.seq).limit(batch))).all()
            if not rows:
                return changed
            after = (rows[-1].conversation_id, rows[-1].seq)
            todo = [r for r in rows if not r.body.startswith(current)]
            fresh = []
            for r in todo:
                plain = await sealer.open(merchant_id, PURPOSE, r.body) if r.body.startswith(SEALED_PREFIX) \
                    else r.body
                fresh.append((r, await sealer.seal(merchant_id, PURPOSE, plain)))
            async with self._db.write() as conn:
                for r, body in fresh:
                    done = await conn.execute(desk_events.update().where(
                        e.merchant_id == merchant_id, e.conversation_id == r.conversation_id, e.seq == r.seq,
                        e.body == r.body).values(body=body))
                    changed += int(done.rowcount or 0)
