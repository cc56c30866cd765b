"""A bounded schemathesis run against a real Souk (uvicorn, SQLite seeded with the demo store, every route).

It reads /openapi.json and sends what the document allows and what it does not (examples, coverage, fuzzing
and stateful phases; a fixed seed and a cap on examples per operation keep it to about a minute a
credential), with the demo merchant's API key and with a staff token (room ``*``) on every operation, then
with a host and a viewer token of the live room ``live-demo`` on the live, RTM and replay operations with
that room in their path (so the fuzzer gets past ``wrong_room`` into the rooms' own checks). It fails on:

- any 5xx (``not_a_server_error``),
- any status the operation does not document (``status_code_conformance``),
- any schema-valid request answered 400/413/422 (``positive_data_acceptance``),
- any error that is not the ``{"error": {...}}`` envelope, or whose code the document does not list for that
  operation and status (``error_code_documented``, tests/integration/api/schemathesis_hooks.py).

Reproduce one run by hand (a Souk on port 8080 in demo mode):
    SCHEMATHESIS_HOOKS=tests.integration.api.schemathesis_hooks .venv/bin/schemathesis run \
        http://127.0.0.1:8080/openapi.json -H "Authorization: Bearer $KEY" --seed 6 -n 12 --workers 1 \
        --checks not_a_server_error,status_code_conformance,positive_data_acceptance,error_code_documented
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.browser import Souk, running_souk

ROOT = Path(__file__).resolve().parents[3]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
SEED = 6
MAX_EXAMPLES = 12
LIVE_ROOM = "live-demo"  # the demo store's live room
CHECKS = ("not_a_server_error", "status_code_conformance", "positive_data_acceptance", "error_code_documented")

pytestmark = pytest.mark.timeout(600)


async def _warm_assistant(souk: Souk) -> None:
    """The assistant loads its models on first use; a fuzzer's 20 s request timeout must not meet that."""
    token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="fuzz-warmup", room="lobby",
                                 role="member")
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=180,
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        opened = await c.post("/v1/agent/sessions", json={})
        if opened.status_code != 200:
            return  # no assistant on this server: its operations answer 503, which is documented
        sid = opened.json()["session_id"]
        await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "hello"})
        await c.delete(f"/v1/agent/sessions/{sid}")


def _figures(report: Path) -> str:
    """Operations, test cases and failures from schemathesis' JSON report."""
    if not report.exists():
        return "no report written"
    data: dict[str, Any] = json.loads(report.read_text())
    ops, cases = data.get("operations", {}), data.get("test_cases", {})
    failures = {f.get("code"): f.get("count") for f in data.get("failures", [])}
    return (f"operations tested {ops.get('tested')}/{ops.get('total')}, test cases {cases.get('generated')}, "
            f"with failures {cases.get('with_failures')} {failures or ''}, errored {cases.get('errored')}")


def _credential(souk: Souk, credential: str, tmp_path: Path) -> tuple[str, list[str], list[str]]:
    """The bearer secret for ``credential``, schemathesis' global options and its ``run`` options."""
    if credential == "api_key":
        return souk.api_key, [], []
    if credential == "staff_token":
        return souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="fuzz-staff", room="*", role="agent",
                                    ttl_s=3600), [], []
    identity, role = ("host-demo", "host") if credential == "live_host" else ("fuzz-viewer", "audience")
    token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=LIVE_ROOM, role=role,
                                 ttl_s=3600)
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.room" = "{LIVE_ROOM}"\n"path.ch" = "{LIVE_ROOM}"\n')
    # going live needs a media plane, which this server does not run (503 media_unavailable, documented)
    return token, ["--config-file", str(config)], [
        "--include-path-regex", "^/v1/(live|rtm)/", "--exclude-operation-id", "show_start_v1_live__room__show_post"]


@pytest.mark.parametrize("credential", ["api_key", "staff_token", "live_host", "live_viewer"])
async def test_fuzzed_api_answers_only_documented_statuses_and_codes(tmp_path: Path, credential: str) -> None:
    report = tmp_path / "schemathesis.json"
    async with running_souk(tmp_path / "souk", features=None) as souk:
        await _warm_assistant(souk)
        secret, global_options, run_options = _credential(souk, credential, tmp_path)
        proc = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS), *global_options, "run", f"{souk.base_url}/openapi.json", *run_options,
            "-H", f"Authorization: Bearer {secret}", "--checks", ",".join(CHECKS),
            "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES), "--workers", "1",
            "--generation-database", "none",  # no examples replayed from earlier runs: the seed decides
            "--request-timeout", "20", "--no-color", "--output-truncate", "true",
            "--report", "json", "--report-json-path", str(report),
            cwd=tmp_path, stdout=asyncio.subprocess.PIPE,  # its caches stay out of the repository stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.api.schemathesis_hooks",
                 "PYTHONPATH": str(ROOT)})
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=540)
    text = out.decode(errors="replace")
    summary = text[text.rfind("SUMMARY"):] if "SUMMARY" in text else text[-3000:]
    print(f"schemathesis ({credential}, seed {SEED}, {MAX_EXAMPLES} examples/operation):\n{summary}")
    print(f"schemathesis figures ({credential}): {_figures(report)}")
    assert proc.returncode == 0, text[-15000:]
    assert "Tested:" in text and "Selected: 0/" not in text, "schemathesis tested no operation"
