"""Users: merchant staff (sellers, agents, admins) and registered shoppers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from souk.core.errors import BadRequest, NotFound
from souk.core.ids import new_id
from souk.domain.accounts import User, UserRole
from souk.storage.repos.base import Repo, require_text
from souk.storage.schema import users


def _record(row: Any) -> User:
    return User(id=row.id, merchant_id=row.merchant_id, role=UserRole(row.role), name=row.name,
                email=row.email, languages=tuple(row.languages), skills=tuple(row.skills),
                active=bool(row.active), created_at=row.created_at)


def _tags(values: Sequence[str], what: str) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise BadRequest(f"{what} must be a list of non-empty strings", code="bad_value")
    return list(dict.fromkeys(values))


class SqlUserRepo(Repo):
    async def create(
        self,
        merchant_id: str,
        *,
        role: UserRole,
        name: str,
        email: str | None = None,
        languages: Sequence[str] = ("en",),
        skills: Sequence[str] = (),
        user_id: str | None = None,
    ) -> User:
        try:
            role = UserRole(role)
        except ValueError as exc:
            raise BadRequest(f"unknown user role {role!r}", code="bad_value") from exc
        uid = user_id or new_id("usr")
        require_text(uid, "user id", max_len=64)
        require_text(name, "name")
        async with self._db.write() as conn:
            await conn.execute(users.insert().values(
                id=uid, merchant_id=merchant_id, role=role.value, name=name,
                email=email.strip().lower() if email else None,
                languages=_tags(languages, "languages"), skills=_tags(skills, "skills"),
                active=True, created_at=self._now()))
        return await self.get(merchant_id, uid)

    async def get(self, merchant_id: str, user_id: str) -> User:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(users).where(
                users.c.merchant_id == merchant_id, users.c.id == user_id))).first()
        if row is None:
            raise NotFound(f"user {user_id!r} not found", code="user_not_found")
        return _record(row)

    async def list(
        self, merchant_id: str, *, role: UserRole | None = None, language: str | None = None,
        active_only: bool = True,
    ) -> list[User]:
        q = sa.select(users).where(users.c.merchant_id == merchant_id)
        if role is not None:
            q = q.where(users.c.role == UserRole(role).value)
        if active_only:
            q = q.where(users.c.active.is_(True))
        async with self._db.read() as conn:
            rows = (await conn.execute(q.order_by(users.c.created_at, users.c.id))).all()
        out = [_record(r) for r in rows]
        # Language filter in Python: JSON array containment differs per backend and staff lists are small.
        return [u for u in out if language is None or u.speaks(language)]

    async def update(
        self,
        merchant_id: str,
        user_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        languages: Sequence[str] | None = None,
        skills: Sequence[str] | None = None,
        active: bool | None = None,
    ) -> User:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = require_text(name, "name")
        if email is not None:
            values["email"] = email.strip().lower() or None
        if languages is not None:
            values["languages"] = _tags(languages, "languages")
        if skills is not None:
            values["skills"] = _tags(skills, "skills")
        if active is not None:
            values["active"] = bool(active)
        if values:
            async with self._db.write() as conn:
                result = await conn.execute(users.update().where(
                    users.c.merchant_id == merchant_id, users.c.id == user_id).values(**values))
                if result.rowcount == 0:
                    raise NotFound(f"user {user_id!r} not found", code="user_not_found")
        return await self.get(merchant_id, user_id)
