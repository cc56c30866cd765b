"""The clients are typed for the caller's type checker: mypy --strict on code using them catches a wrong room
kind, a key an answer does not have, and a field used as the wrong type (and passes the right code)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = '''
from souk_client import AsyncSouk, NotFound, Souk, types


def sync_use(souk: Souk) -> str:
    room: types.RoomOut = souk.rooms.create("consult", metadata={"sku": "AP-1"})
    return room["id"]


async def async_use(souk: AsyncSouk) -> int:
    token = await souk.tokens.mint(identity="a", room="lobby", role="member")
    try:
        await souk.rooms.get("r1")
    except NotFound as exc:
        return len(exc.code)
    return token["expires_in"]
'''

BAD = '''
from souk_client import AsyncSouk, Souk


def sync_use(souk: Souk) -> None:
    souk.rooms.create("bogus")
    souk.rooms.get("r")["nope"]


async def async_use(souk: AsyncSouk) -> int:
    token = await souk.tokens.mint(identity="a", room="lobby", role="emperor")
    return token["token"]
'''


def _mypy(tmp_path: Path, source: str) -> str:
    if shutil.which("mypy", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mypy is not installed (make setup-test installs it)")
    module = tmp_path / "usage.py"
    module.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(module)],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False)
    return done.stdout


def test_right_code_type_checks(tmp_path: Path) -> None:
    out = _mypy(tmp_path, GOOD)
    assert "Success" in out, out


def test_wrong_code_is_caught(tmp_path: Path) -> None:
    out = _mypy(tmp_path, BAD)
    assert 'incompatible type "Literal[\'bogus\']"' in out, out
    assert 'TypedDict "RoomOut" has no key "nope"' in out, out
    assert 'incompatible type "Literal[\'emperor\']"' in out, out
    assert 'got "str", expected "int"' in out, out
