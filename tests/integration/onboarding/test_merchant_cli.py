"""`souk merchant` and `souk store` as a script uses them (subprocesses), against a running Souk on the same
database: the key `merchant create --json` prints authenticates a real API call; `key revoke` from the
command line stops it at once in the server process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures.browser import Souk
from tests.unit.domain.store_samples import canonical, small_store


async def souk_cli(souk: Souk, *argv: str) -> tuple[int, str, str]:
    env = {**os.environ, "SOUK_DATA_DIR": souk.settings.data_dir, "SOUK_LOG_LEVEL": "WARNING"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "souk.cli.main", *argv, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def mint(souk: Souk, api_key: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20,
                                 headers={"Authorization": f"Bearer {api_key}"}) as c:
        return await c.post("/v1/tokens", json={"identity": "script", "room": "*", "role": "agent"})


def last_json(out: str) -> Any:
    return json.loads(out.strip().splitlines()[-1])


async def test_a_script_creates_a_merchant_and_uses_its_key(souk: Souk, tmp_path: Path) -> None:
    rc, out, err = await souk_cli(souk, "merchant", "create", "tienda", "--name", "Tienda Sol", "--currency", "mxn",
                                  "--region", "mx", "--language", "es", "--language", "en",
                                  "--timezone", "America/Mexico_City", "--json")
    assert rc == 0, err
    created = last_json(out)
    assert created["merchant"]["currency"] == "MXN" and created["merchant"]["languages"] == ["es", "en"]
    key = created["api_key"]
    r = await mint(souk, key)
    assert r.status_code == 200, r.text
    assert souk.ctx.tokens.verify(r.json()["token"]).merchant_id == "tienda"

    rc, out, _ = await souk_cli(souk, "merchant", "key", "list", "tienda", "--json")
    listed = last_json(out)["keys"]
    assert rc == 0 and [k["key_id"] for k in listed] == [created["key_id"]] and key not in out

    rc, out, err = await souk_cli(souk, "merchant", "key", "revoke", "tienda", created["key_id"], "--json")
    assert rc == 0 and last_json(out)["active"] is False, err
    r = await mint(souk, key)  # the server process sees the revocation on its next check
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_api_key"

    rc, _, err = await souk_cli(souk, "merchant", "create", "tienda", "--name", "Again", "--currency", "MXN",
                                "--region", "mx")
    assert rc == 2 and "merchant_exists" in err
    rc, _, err = await souk_cli(souk, "merchant", "create", "Bad Id", "--name", "X", "--currency", "ABC",
                                "--region", "mx")
    assert rc == 2 and "$.id:" in err and "$.currency:" in err
    rc, out, _ = await souk_cli(souk, "merchant", "list", "--json")
    assert [m["id"] for m in last_json(out)["merchants"]] == ["lumen", "tienda"]


async def test_store_import_and_export_from_the_command_line(souk: Souk, tmp_path: Path) -> None:
    rc, _, err = await souk_cli(souk, "merchant", "create", "tienda", "--name", "Tienda Sol", "--currency", "MXN",
                                "--region", "mx")
    assert rc == 0, err
    bad = small_store()
    bad["products"][0]["price_usd"] = bad["products"][0].pop("price_mxn")
    bad["shipping"][1]["countries"] = ["MX"]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    rc, out, err = await souk_cli(souk, "store", "import", str(tmp_path / "bad.json"), "--merchant", "tienda")
    assert rc == 2 and "3 problem(s), nothing imported" in err
    for line in ("$.products[0].price_usd: money key in USD, but store.currency is MXN: write price_mxn",
                 "$.products[0].price_mxn: required key missing",
                 "$.shipping[1].countries[0]: MX is already in zone 'mexico'"):
        assert line in err
    rc, out, _ = await souk_cli(souk, "store", "export", "--merchant", "tienda")
    assert rc == 0 and json.loads(out)["products"] == []  # nothing was imported

    (tmp_path / "good.json").write_text(json.dumps(small_store()))
    rc, out, err = await souk_cli(souk, "store", "import", str(tmp_path / "good.json"), "--merchant", "tienda",
                                  "--json")
    assert rc == 0 and last_json(out)["imported"]["products"] == {"added": 2, "replaced": 0}, err
    rc, _, err = await souk_cli(souk, "store", "export", "--merchant", "tienda", str(tmp_path / "out.json"))
    assert rc == 0, err
    exported = json.loads((tmp_path / "out.json").read_text())
    assert canonical(exported) == canonical(small_store())
    rc, out, _ = await souk_cli(souk, "store", "import", str(tmp_path / "out.json"), "--merchant", "tienda", "--json")
    assert rc == 0 and last_json(out)["imported"]["products"] == {"added": 0, "replaced": 2}
    rc, _, err = await souk_cli(souk, "store", "import", str(tmp_path / "missing.json"), "--merchant", "tienda")
    assert rc == 2 and "cannot read" in err
