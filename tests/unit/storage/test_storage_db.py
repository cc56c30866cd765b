"""Driver errors become SoukErrors of the right kind; engine URLs are checked up front."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from souk.core.errors import (
    BadRequest,
    ConfigError,
    Conflict,
    Forbidden,
    NotFound,
    SoukError,
    Timeout,
    Unavailable,
)
from souk.storage.db import create_engine, translate_errors


def _integrity(msg: str) -> IntegrityError:
    return IntegrityError("INSERT ...", {}, sqlite3.IntegrityError(msg))


@pytest.mark.parametrize(("exc", "kind", "code"), [
    (_integrity("UNIQUE constraint failed: users.merchant_id, users.email"), Conflict, "duplicate"),
    (_integrity("FOREIGN KEY constraint failed"), NotFound, "reference_missing"),
    (_integrity("CHECK constraint failed: ck_products_stock_not_negative"), BadRequest, "constraint_violated"),
    (_integrity("NOT NULL constraint failed: rooms.kind"), BadRequest, "value_missing"),
    (OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), Unavailable,
     "db_unavailable"),
])
def test_driver_errors_are_translated(exc: Exception, kind: type[Exception], code: str) -> None:
    with pytest.raises(kind) as err, translate_errors():
        raise exc
    assert err.value.code == code  # type: ignore[attr-defined]
    assert err.value.__cause__ is exc


@pytest.mark.parametrize("mine", [NotFound("x", code="mine"), Forbidden("x", code="mine"),
                                  Timeout("x", code="mine")])
def test_our_own_errors_pass_through(mine: SoukError) -> None:
    """Forbidden is a PermissionError and Timeout a TimeoutError, both OSErrors: still ours, untouched."""
    with pytest.raises(type(mine)) as err, translate_errors():
        raise mine
    assert err.value is mine


def test_connection_refused_is_unavailable() -> None:
    with pytest.raises(Unavailable), translate_errors():
        raise ConnectionRefusedError(111, "refused")


@pytest.mark.parametrize("url", ["mysql+pymysql://u@h/db", "::::"])
def test_unsupported_urls_fail_fast(url: str) -> None:
    with pytest.raises(ConfigError):
        create_engine(url)


def test_sync_driver_names_are_upgraded_to_async_ones(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert create_engine(f"sqlite:///{tmp_path}/x.db").dialect.driver == "aiosqlite"
    assert create_engine("postgresql://u@127.0.0.1/db").dialect.driver == "asyncpg"
