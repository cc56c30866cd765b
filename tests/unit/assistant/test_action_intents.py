"""The words that ask for an action on an order (action_intents.gate), and the yes/no that confirms one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from souk.assistant.action_intents import ACTION_EXAMPLES, confirmation, gate
from souk.assistant.slots import extract

DEV_SET = Path("/work/shared/eval/agent_dev.jsonl")


@pytest.mark.parametrize(("text", "intent"), [
    ("Please cancel order 1001", "cancel_order"), ("Quiero cancelar mi pedido 1003", "cancel_order"),
    ("Tolong batalkan pesanan 1001", "cancel_order"), ("帮我取消订单1001", "cancel_order"),
    ("أريد إلغاء الطلب 1023", "cancel_order"), ("posso cancelar meu pedido?", "cancel_order"),
    ("the delivery address on order 1034 is wrong", "change_address"),
    ("quero alterar o endereço de entrega", "change_address"), ("请帮我修改收货地址", "change_address"),
    ("I want to return order 1006", "start_return"), ("return order 1006", "start_return"),
    ("quiero devolver el pedido 1040", "start_return"), ("我要退货,订单1007", "start_return"),
    ("I want a refund for order 1006", "start_return"), ("أريد إرجاع مشترياتي", "start_return"),
    ("Can I still return the boots from order 1040?", "start_return"),
    ("I'd like to exchange the dress from order 1019 for size L", "exchange_item"),
    ("saya mau tukar ukuran yang lebih besar", "exchange_item"),
    ("I never got the tracking email for order 1002", "resend_tracking"),
    ("tolong kirim ulang nomor resi", "resend_tracking"), ("没收到快递追踪链接", "resend_tracking"),
    # questions about the policy or the state stay questions
    ("noise cancelling headphones?", None), ("o fone tem cancelamento de ruído?", None),
    ("my order was cancelled?", None), ("How many days do I have to return a dress?", None),
    ("I opened the lipstick and don't like the shade, can I return it?", None),
    ("can I exchange for another size?", None), ("what happened to the refund for order 1010", None),
    ("where is my return for order 1006?", None), ("tracking hasn't updated in 2 days", None),
    ("what is your return policy", None),
])
def test_gate(text: str, intent: str | None) -> None:
    assert gate(text, extract(text).order_ids) == intent


@pytest.mark.parametrize(("text", "answer"), [
    ("yes", "yes"), ("Yes, please!", "yes"), ("ok", "yes"), ("sí", "yes"), ("claro", "yes"), ("sim", "yes"),
    ("iya", "yes"), ("好的", "yes"), ("是的", "yes"), ("نعم", "yes"), ("go ahead", "yes"),
    ("no", "no"), ("no thanks", "no"), ("não", "no"), ("tidak", "no"), ("不要", "no"), ("لا", "no"),
    ("yes but send it to my office instead", None), ("what about order 1012?", None), ("", None),
])
def test_confirmation(text: str, answer: str | None) -> None:
    assert confirmation(text) == answer


def test_examples_are_not_dev_set_sentences() -> None:
    if not DEV_SET.exists():
        pytest.skip("the public dev set is not here")
    norm = lambda s: " ".join(s.casefold().replace("?", "").replace("¿", "").split())
    dev = {norm(t) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()
           for t in json.loads(line)["turns"]}
    mine = {norm(e) for examples in ACTION_EXAMPLES.values() for e in examples}
    assert not mine & dev
    assert all(len(examples) >= 12 for examples in ACTION_EXAMPLES.values())
