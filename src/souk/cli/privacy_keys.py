"""``souk privacy keys|rotate-key|rewrap-keys|shred-keys`` (encryption at rest) and ``souk privacy region``
(residency); docs/privacy.md "Encryption" and "Residency".

- ``keys --merchant M``: the merchant's data keys (ids, states, master key id, dates; never key material).
- ``rotate-key --merchant M [--reencrypt]``: a new active key for new data; with ``--reencrypt`` the merchant's
  recordings and desk events written under older keys are encrypted again under the new one.
- ``rewrap-keys [--merchant M]``: every key wrapped again by the current master key (after a master rotation:
  the old master goes to ``previous_master_keys`` until this has run, then it can go).
- ``shred-keys --merchant M --yes``: crypto-shredding, every key of the merchant destroyed: all of its
  encrypted recordings and transcripts become unreadable for good (offboarding: the erase-everything path).
- ``region --merchant M [--move-to R --yes]``: the merchant's data region; ``--move-to`` records a move in every
  region's database once the data is there (the procedure in docs/privacy.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from souk.cli.purge import with_storage
from souk.core.errors import BadRequest, ConfigError
from souk.core.settings import Settings
from souk.privacy.keys import KeyRing
from souk.storage import Storage


def register_keys(privacy: Any) -> None:
    keys = privacy.add_parser("keys", help="a merchant's data keys for encryption at rest (no key material)")
    keys.add_argument("--merchant", required=True)
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(func=run_keys)
    rotate = privacy.add_parser("rotate-key", help="a new data key for the merchant's new recordings/transcripts")
    rotate.add_argument("--merchant", required=True)
    rotate.add_argument("--reencrypt", action="store_true",
                        help="also encrypt the merchant's existing recordings and desk events again under it")
    rotate.add_argument("--json", action="store_true")
    rotate.set_defaults(func=run_rotate)
    rewrap = privacy.add_parser("rewrap-keys", help="wrap data keys again by the current master key")
    rewrap.add_argument("--merchant", default=None, help="only this merchant (default: every merchant)")
    rewrap.add_argument("--json", action="store_true")
    rewrap.set_defaults(func=run_rewrap)
    shred = privacy.add_parser("shred-keys", help="destroy every data key of the merchant (crypto-shredding)")
    shred.add_argument("--merchant", required=True)
    shred.add_argument("--yes", action="store_true", help="confirm: the merchant's encrypted data is lost for good")
    shred.add_argument("--json", action="store_true")
    shred.set_defaults(func=run_shred)
    region = privacy.add_parser("region", help="a merchant's data region (residency); record a move")
    region.add_argument("--merchant", required=True)
    region.add_argument("--move-to", default=None, metavar="REGION",
                        help="record that the merchant now lives in REGION (its data must be there already)")
    region.add_argument("--yes", action="store_true", help="confirm --move-to")
    region.add_argument("--json", action="store_true")
    region.set_defaults(func=run_region)


def _ring(storage: Storage) -> KeyRing:
    if storage.keys is None:
        raise ConfigError("encryption at rest is off ([privacy] encrypt_at_rest = false)")
    return storage.keys


def _out(args: argparse.Namespace, data: dict[str, Any], text: str) -> int:
    print(json.dumps(data) if args.json else text)
    return 0


def run_keys(args: argparse.Namespace, settings: Settings) -> int:
    async def work(storage: Storage) -> list[dict[str, Any]]:
        await storage.merchants.get(args.merchant)
        return [vars_(k) for k in await _ring(storage).keys(args.merchant)]

    rows = with_storage(settings, work)
    return _out(args, {"merchant": args.merchant, "keys": rows},
                "\n".join(f"{k['key_id']}\t{k['state']}\tmaster {k['master_id']}\t{k['created_at']}" for k in rows)
                or f"{args.merchant} has no data key yet (one is made on first use)")


def vars_(k: Any) -> dict[str, Any]:
    return {"key_id": k.key_id, "state": k.state, "master_id": k.master_id, "created_at": k.created_at,
            "retired_at": k.retired_at}


def run_rotate(args: argparse.Namespace, settings: Settings) -> int:
    async def work(storage: Storage) -> dict[str, Any]:
        from souk.privacy.vault import FileVault
        from souk.storage.repos.resealing import SqlResealRepo

        await storage.merchants.get(args.merchant)
        ring = _ring(storage)
        key_id = await ring.rotate(args.merchant)
        out: dict[str, Any] = {"merchant": args.merchant, "key_id": key_id}
        if args.reencrypt:
            out["recordings"] = await FileVault(ring).reencrypt_tree(args.merchant, settings.data_path / "recordings")
            out["desk_events"] = await SqlResealRepo(storage.db, storage.clock).reseal_desk_events(
                args.merchant, ring, key_id)
        return out

    out = with_storage(settings, work)
    more = (f"; re-encrypted {out['recordings']} recording files and {out['desk_events']} desk events"
            if args.reencrypt else "; older data stays readable under its retired key")
    return _out(args, out, f"{args.merchant}: new active data key {out['key_id']}{more}")


def run_rewrap(args: argparse.Namespace, settings: Settings) -> int:
    async def work(storage: Storage) -> dict[str, int]:
        ring = _ring(storage)
        merchants = [args.merchant] if args.merchant else [m.id for m in await storage.merchants.list()]
        return {m: await ring.rewrap(m) for m in merchants}

    done = with_storage(settings, work)
    return _out(args, {"rewrapped": done},
                f"{sum(done.values())} data keys wrapped again by the current master key ({len(done)} merchants)")


def run_shred(args: argparse.Namespace, settings: Settings) -> int:
    if not args.yes:
        raise BadRequest("shred-keys destroys every data key of the merchant: add --yes", code="confirm_required")

    async def work(storage: Storage) -> int:
        await storage.merchants.get(args.merchant)
        return await _ring(storage).shred(args.merchant)

    count = with_storage(settings, work)
    return _out(args, {"merchant": args.merchant, "destroyed": count},
                f"{args.merchant}: {count} data keys destroyed; its encrypted recordings and transcripts are "
                "unreadable for good")


def run_region(args: argparse.Namespace, settings: Settings) -> int:
    if args.move_to is not None:
        if not args.yes:
            raise BadRequest("--move-to changes where every node stores the merchant's data: add --yes",
                             code="confirm_required")
        from souk.privacy.residency_ops import set_region

        asyncio.run(set_region(settings, args.merchant, args.move_to))

    async def work(storage: Storage) -> str:
        return await storage.merchants.data_region(args.merchant)

    region = with_storage(settings, work)
    return _out(args, {"merchant": args.merchant, "data_region": region},
                f"{args.merchant}: data region {region or '(none: kept where its data is)'}")
