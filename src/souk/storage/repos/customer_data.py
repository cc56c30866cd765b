"""One customer's rows across the database, for export and erasure (souk.privacy.customer_stores).

Table-level primitives over the schema's tables, every statement filtered by the merchant: rows where a column
holds one of some values (read, delete), rows whose text anywhere holds one of some strings (the scan, read
by streaming each of the merchant's tables and matching in Python, so SQLite and PostgreSQL, JSON and binary
columns behave alike), scrubbing those strings out of the rows that keep them, and re-keying a customer to a
pseudonym (the orders the law keeps stay, under a stand-in customer row with no personal fields).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, NotFound
from souk.storage.repos.base import Repo
from souk.storage.schema import customers, metadata, orders

ERASED = "[erased]"
CHUNK = 500  # values per IN (...) list
# Tables a customer's identifiers may appear in but that erasure must not rewrite: the audit chain (its rows
# are hashed: rewriting one breaks verification; docs/privacy.md "Erasure" says what they hold).
NEVER_SCRUBBED = frozenset({"audit_log", "audit_heads"})


def plain(value: Any) -> Any:
    """A column value as JSON can carry it."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode("ascii")}
    return value


def text_of(value: Any) -> str:
    """What a needle is searched in: strings as they are, JSON documents both escaped and not, bytes as UTF-8."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return json.dumps(value, ensure_ascii=False) + "\n" + json.dumps(value)


Needle = re.Pattern[str]  # the customer's identifiers, one pattern (souk.privacy.rawscan.text_pattern)


def contains(haystack: str, pat: Needle) -> bool:
    return bool(haystack) and pat.search(haystack) is not None


def scrub_value(value: Any, pat: Needle, replacement: str = ERASED) -> Any:
    """``value`` with every match replaced, inside JSON documents too."""
    if isinstance(value, str):
        return pat.sub(replacement, value)
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return pat.sub(replacement, raw.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return raw
    if isinstance(value, dict):
        return {scrub_value(k, pat, replacement): scrub_value(v, pat, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(v, pat, replacement) for v in value]
    return value


def _table(name: str) -> sa.Table:
    table = metadata.tables.get(name)
    if table is None or "merchant_id" not in table.c:
        raise BadRequest(f"{name!r} is not a tenant table", code="bad_table")
    return table


def _chunks(values: Iterable[str]) -> list[list[str]]:
    items = sorted(set(values))
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def tenant_tables() -> list[sa.Table]:
    """Every table with a merchant column, in dependency order (parents first)."""
    return [t for t in metadata.sorted_tables if "merchant_id" in t.c]


class SqlCustomerDataRepo(Repo):
    async def rows(self, merchant_id: str, table: str, column: str, values: Iterable[str]) -> list[dict[str, Any]]:
        """The merchant's rows of ``table`` whose ``column`` is one of ``values``, as JSON-able dicts."""
        t = _table(table)
        out: list[dict[str, Any]] = []
        async with self._db.read() as conn:
            for chunk in _chunks(values):
                result = await conn.execute(sa.select(t).where(t.c.merchant_id == merchant_id, t.c[column].in_(chunk)))
                out += [{k: plain(v) for k, v in r._mapping.items()} for r in result]
        return out

    async def values(self, merchant_id: str, table: str, want: str, column: str, values: Iterable[str]) -> set[str]:
        """``want`` of the merchant's rows of ``table`` whose ``column`` is one of ``values`` (non-null ones)."""
        t = _table(table)
        found: set[str] = set()
        async with self._db.read() as conn:
            for chunk in _chunks(values):
                result = await conn.execute(sa.select(t.c[want]).where(t.c.merchant_id == merchant_id,
                                                                        t.c[column].in_(chunk)))
                found |= {str(v) for v in result.scalars() if v is not None and str(v)}
        return found

    async def delete(self, merchant_id: str, table: str, column: str, values: Iterable[str], *,
                     children: Iterable[tuple[str, str, str]] = ()) -> int:
        """Delete the merchant's rows of ``table`` whose ``column`` is one of ``values``; first the rows of
        each child ``(child table, child column, parent column)`` pointing at them. How many rows of ``table``."""
        t = _table(table)
        total = 0
        async with self._db.write() as conn:
            await _secure(conn)
            for chunk in _chunks(values):
                for child, child_col, parent_col in children:
                    c = _table(child)
                    keys = sa.select(t.c[parent_col]).where(t.c.merchant_id == merchant_id, t.c[column].in_(chunk))
                    await conn.execute(c.delete().where(c.c.merchant_id == merchant_id, c.c[child_col].in_(keys)))
                r = await conn.execute(t.delete().where(t.c.merchant_id == merchant_id, t.c[column].in_(chunk)))
                total += r.rowcount or 0
        return total

    async def update(self, merchant_id: str, table: str, column: str, values: Iterable[str],
                     changes: dict[str, Any]) -> int:
        """Set ``changes`` on the merchant's rows of ``table`` whose ``column`` is one of ``values``."""
        t = _table(table)
        total = 0
        async with self._db.write() as conn:
            await _secure(conn)
            for chunk in _chunks(values):
                r = await conn.execute(t.update().where(t.c.merchant_id == merchant_id, t.c[column].in_(chunk))
                                       .values(**changes))
                total += r.rowcount or 0
        return total

    async def find_customer(self, merchant_id: str, ref: str) -> dict[str, Any] | None:
        """The customer row whose id is ``ref``, else the one whose e-mail is ``ref`` (case-insensitive)."""
        c = customers.c
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(customers).where(c.merchant_id == merchant_id, c.id == ref))).first()
            if row is None and "@" in ref:
                row = (await conn.execute(sa.select(customers).where(
                    c.merchant_id == merchant_id, sa.func.lower(c.email) == ref.strip().lower())
                    .order_by(c.id).limit(1))).first()
            return None if row is None else {k: plain(v) for k, v in row._mapping.items()}

    async def rekey_customer(self, merchant_id: str, customer_id: str, pseudonym: str,
                             referencing: Iterable[str]) -> int:
        """Keep the customer's orders (and the rows of ``referencing`` tables naming the customer id) under a
        stand-in customer ``pseudonym`` with no personal fields, and delete the customer's row: in one
        transaction. How many rows now name the pseudonym instead. A customer without a row: nothing."""
        c = customers.c
        async with self._db.write() as conn:
            await _secure(conn)
            row = (await conn.execute(sa.select(customers).where(c.merchant_id == merchant_id,
                                                                 c.id == customer_id))).first()
            if row is None:
                return 0
            if pseudonym == customer_id or not pseudonym:
                raise BadRequest("the pseudonym must differ from the customer id", code="bad_pseudonym")
            await conn.execute(customers.insert().values(
                merchant_id=merchant_id, id=pseudonym, name=ERASED, email=f"{pseudonym}@erased.invalid",
                country=row.country, language=row.language, vip=False))
            moved = 0
            for name in ("orders", *referencing):
                t = _table(name)
                r = await conn.execute(t.update().where(t.c.merchant_id == merchant_id, t.c.customer_id == customer_id)
                                       .values(customer_id=pseudonym))
                moved += r.rowcount or 0
            await conn.execute(customers.delete().where(c.merchant_id == merchant_id, c.id == customer_id))
            if moved == 0:  # nothing kept: no stand-in either
                await conn.execute(customers.delete().where(c.merchant_id == merchant_id, c.id == pseudonym))
            return moved

    async def anonymise_orders(self, merchant_id: str, order_ids: Iterable[str]) -> int:
        """The personal fields of the orders the law keeps: the note (free text) goes, the shipping address
        text is replaced (its country stays: tax)."""
        o = orders.c
        total = 0
        async with self._db.write() as conn:
            await _secure(conn)
            for chunk in _chunks(order_ids):
                found = await conn.execute(sa.select(o.id, o.shipping_address, o.country).where(
                    o.merchant_id == merchant_id, o.id.in_(chunk)))
                for r in list(found):
                    country = (r.shipping_address or {}).get("country") if isinstance(r.shipping_address, dict) \
                        else None
                    await conn.execute(orders.update().where(o.merchant_id == merchant_id, o.id == r.id).values(
                        note=None, shipping_address={"text": ERASED, "country": country or r.country}))
                    total += 1
        return total

    async def containing(self, merchant_id: str, pat: Needle | None, *, skip: Collection[str] = (),
                         only: Collection[str] | None = None) -> dict[str, list[dict[str, Any]]]:
        """Every row of the merchant (every tenant table but ``skip``, or only the tables ``only``) whose text
        matches ``pat``."""
        if only is not None:
            skip = set(skip) | {t.name for t in tenant_tables() if t.name not in only}
        found = await self._hits(merchant_id, pat, skip)
        return {name: [{k: plain(v) for k, v in m.items()} for m in rows] for name, rows in found.items()}

    async def _hits(self, merchant_id: str, pat: Needle | None,
                    skip: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        if pat is None:
            return out
        async with self._db.read() as conn:
            for t in tenant_tables():
                if t.name in skip:
                    continue
                stream = await conn.stream(sa.select(t).where(t.c.merchant_id == merchant_id))
                async for r in stream:
                    m = dict(r._mapping)
                    if any(contains(text_of(v), pat) for k, v in m.items() if k != "merchant_id"):
                        out.setdefault(t.name, []).append(m)
        return out

    async def scrub(self, merchant_id: str, pat: Needle | None, *, skip: Collection[str] = ()) -> \
            tuple[int, int]:
        """Take what ``pat`` matches out of every row of the merchant still holding it (tables but ``skip`` and
        the audit chain): a row with a needle in its primary key goes (it is keyed by the customer), the others
        keep their row with each needle replaced. (deleted, rewritten)."""
        deleted = rewritten = 0
        if pat is None:
            return 0, 0
        found = await self._hits(merchant_id, pat, set(skip) | NEVER_SCRUBBED)
        for name, rows in found.items():
            t = _table(name)
            pk = [c.name for c in t.primary_key.columns]
            async with self._db.write() as conn:
                await _secure(conn)
                for hit in rows:
                    where = sa.and_(*(t.c[k] == hit[k] for k in pk))
                    now = (await conn.execute(sa.select(t).where(where))).first()
                    if now is None:
                        continue
                    m = now._mapping
                    if any(contains(text_of(m[k]), pat) for k in pk if k != "merchant_id"):
                        await conn.execute(t.delete().where(where))
                        deleted += 1
                        continue
                    changes = {k: scrub_value(v, pat) for k, v in m.items()
                               if k not in pk and contains(text_of(v), pat)}
                    if changes:
                        await conn.execute(t.update().where(where).values(**changes))
                        rewritten += 1
        return deleted, rewritten

    async def others_match(self, merchant_id: str, pat: Needle) -> bool:
        """Whether a live row of ANOTHER merchant matches ``pat`` (the same shopper at two shops in one
        database file): the scan does not count such raw bytes against this merchant's erasure."""
        async with self._db.read() as conn:
            for t in tenant_tables():
                stream = await conn.stream(sa.select(t).where(t.c.merchant_id != merchant_id))
                async for r in stream:
                    if any(contains(text_of(v), pat) for k, v in r._mapping.items() if k != "merchant_id"):
                        return True
        return False

    async def merchant_exists(self, merchant_id: str) -> None:
        t = metadata.tables["merchants"]
        async with self._db.read() as conn:
            if (await conn.execute(sa.select(t.c.id).where(t.c.id == merchant_id))).first() is None:
                raise NotFound(f"no merchant {merchant_id!r}", code="unknown_merchant")


async def _secure(conn: AsyncConnection) -> None:
    """SQLite: deleted and overwritten content is zeroed in the file, not left on free pages."""
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("PRAGMA secure_delete=ON")
