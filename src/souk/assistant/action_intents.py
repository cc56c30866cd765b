"""The action intents (cancel an order, change its address, start a return, exchange a size or colour,
re-send tracking): router examples in the six reply languages, and the cues that must back them.

An action changes the shopper's order, so the embedding alone never picks one (the router scores these
examples but never chooses them): the turn's words must ask for it (``gate``). "Can I return opened
make-up?" stays a policy question; "I want to return order 4411" is a request.
Yes and no, for the confirmation that the next turn must give, are here too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

ACTION_EXAMPLES: dict[str, tuple[str, ...]] = {
    "cancel_order": (
        "please cancel my order", "I changed my mind, cancel the purchase", "stop my order before it ships",
        "cancele mi compra por favor", "ya no lo quiero, anule el pedido", "quero cancelar a minha compra",
        "cancela a encomenda, por favor", "tolong batalkan pesanan saya", "saya mau membatalkan order",
        "帮我把订单取消", "我不想要了,请取消订单", "أرجو إلغاء طلبي", "لا أريد الطلب بعد الآن، ألغه",
    ),
    "change_address": (
        "I need to update the delivery address", "ship it to a different street please", "my address on the order is wrong",
        "necesito corregir la dirección de envío", "envíelo a otra dirección", "quero alterar o endereço de entrega",
        "o endereço do pedido está errado", "tolong ganti alamat pengiriman", "alamat di pesanan saya salah",
        "请帮我修改收货地址", "地址写错了,要改一下", "أريد تعديل عنوان الشحن", "العنوان في الطلب خاطئ",
    ),
    "start_return": (
        "I want to send my purchase back for a refund", "please open a return for my order", "start a return for me",
        "quiero devolver lo que compré", "inicie una devolución de mi pedido", "quero devolver o que comprei",
        "abra uma devolução do meu pedido", "saya ingin meretur barang pesanan saya", "tolong proses retur pesanan saya",
        "我要把这单退货", "帮我申请退货退款", "أريد إرجاع مشترياتي", "ابدأ طلب إرجاع لطلبي",
    ),
    "exchange_item": (
        "I'd like to swap it for a bigger size", "please exchange my shirt for another colour",
        "quiero cambiarlo por una talla más pequeña", "cámbielo por otro color", "quero trocar por um tamanho maior",
        "troque pela outra cor, por favor", "saya mau tukar ukuran yang lebih besar", "tolong tukar warnanya",
        "我想换成大一号", "帮我换个颜色", "أريد استبداله بمقاس أكبر", "استبدل اللون من فضلك",
    ),
    "resend_tracking": (
        "send me the tracking link again", "I never got the tracking email", "can you resend the shipment tracking",
        "reenvíeme el enlace de seguimiento", "no me llegó el correo con el seguimiento", "reenvie o código de rastreio",
        "não recebi o e-mail de rastreamento", "tolong kirim ulang nomor resi", "saya belum terima link pelacakan",
        "请重新发一下物流单号", "没收到快递追踪链接", "أعد إرسال رابط التتبع", "لم يصلني بريد التتبع",
    ),
}
ACTION_INTENTS = frozenset(ACTION_EXAMPLES)

_REQUEST = (r"\b(i want|i'd like|i would like|i need|please|pls|start|initiate|open|begin|create|process|help me|"
            r"quiero|quisiera|necesito|deseo|inicie|inicia|abra|por favor|quero|gostaria|preciso|"
            r"mau|ingin|tolong|mohon|minta|bantu)\b|我要|我想|帮我|请|申请|أريد|اريد|أرغب|ابدأ|من فضلك|أرجو")
_RETURN = (r"\breturn\b|send (it|them|this|these|my \w+) back|\bdevolver\b|\bdevolución|\bdevolu[cç][aã]o|"
           r"devolv[eê]|\bretur\b|meretur|kembalikan|退货|退回|退掉|إرجاع|ارجاع|أرجع")
_REFUND = r"\brefund\b|reembolso|退款|استرداد"  # asked for ("I want a refund"), not asked about
_EXCHANGE = (r"exchange|\bswap\b|(change|switch) (it|this|them|my \w+)? ?(for|to|into) (a |an |the )?(other |another |"
             r"different |smaller|bigger|larger|size|colou?r)|cambi\w* (de |por |la |el )?(talla|color|otr)|"
             r"cambiarl[oa] por|cámbielo|troc\w* (de |por |o |a )?(tamanho|cor|outr|pel)|\btukar\b|penukaran|"
             r"换货|换成|换一|换个|换尺码|换颜色|استبدال|استبدل|أستبدل|تبديل")
# "cancel", "cancelar", "cancele", not "noise cancelling", "cancelamento de ruído" or "was cancelled" (a status)
_CANCEL = (r"(?<!noise )(?<!noise-)\bcancel(?!l?ing\b)(?!l?ed\b)(?!l?ation)(?!amento)(?!aci[oó]n)\w*|"
           r"\banul(ar|e|a|ación)?\b|\bbatal(kan|in)\b|membatalkan|取消订单|取消我的|帮我取消|取消一下|要取消|"
           r"إلغاء|الغاء|ألغ")
_ADDRESS = (r"(change|update|correct|fix|edit|new|different|wrong|another)\b.{0,30}\b(address|street)|"
            r"\baddress\b.{0,25}\b(change|wrong|update|incorrect)|(cambiar|corregir|actualizar|otra|nueva|equivocada|"
            r"incorrecta) .{0,20}direcci[oó]n|direcci[oó]n .{0,12}(equivocada|incorrecta|nueva)|"
            r"(mudar|alterar|trocar|corrigir|outro|novo) .{0,20}endere[çc]o|endere[çc]o .{0,12}(errado|novo)|"
            r"(ganti|ubah|ubahkan|koreksi|perbaiki) .{0,15}alamat|alamat .{0,12}(baru|salah)|"
            r"(改|更改|修改|换).{0,6}地址|地址.{0,4}(错|改)|(تغيير|تعديل|غيّر|غير|عدّل) .{0,10}العنوان|"
            r"العنوان .{0,12}(خاطئ|خطأ|جديد)|عنوان (جديد|آخر)")
_TRACKING = r"track\w*|seguimiento|rastreio|rastreamento|\bresi\b|pelacakan|单号|物流|追踪|跟踪|تتبع|التتبع"
_AGAIN = (r"\bresend|\bre-send|again|once more|never (got|received)|did(n't| not) (get|receive)|haven't (got|received)|"
          r"reenv\w*|de nuevo|otra vez|no (me )?(lleg[oó]|recib\w*)|novamente|de novo|n[aã]o recebi|reenvi\w*|"
          r"kirim (ulang|lagi)|belum (terima|menerima|dapat)|重新|再发|重发|没收到|没有收到|أعد|إعادة|مرة أخرى|لم (يصلني|أستلم)")

CUES: dict[str, re.Pattern[str]] = {
    "resend_tracking": re.compile(f"(?=.*({_TRACKING}))(?=.*({_AGAIN}))", re.IGNORECASE | re.DOTALL),
    "change_address": re.compile(_ADDRESS, re.IGNORECASE),
    "exchange_item": re.compile(_EXCHANGE, re.IGNORECASE),
    "cancel_order": re.compile(_CANCEL, re.IGNORECASE),
    "start_return": re.compile(f"(?=.*({_REQUEST}))(?=.*({_RETURN}))", re.IGNORECASE | re.DOTALL),
}
_RETURN_WORD = re.compile(_RETURN, re.IGNORECASE)
_REFUND_WORD = re.compile(_REFUND, re.IGNORECASE)
_STATUS_QUESTION = re.compile(r"\b(what|where|when|why|status|happened|qu[eé]|d[oó]nde|cu[aá]ndo|onde|quando|kapan|"
                              r"mana|apa)\b|什么|哪|何时|为什么|ماذا|أين|متى|لماذا", re.IGNORECASE)
_REQUEST_WORD = re.compile(_REQUEST, re.IGNORECASE)
_POLICY_QUESTION = re.compile(
    r"\b(can i|could i|may i|is it possible|how (do|can|many|long)|what is|what's|do you|are)\b|¿|\?|"
    r"se puede|puedo|posso|pode|bisa(kah)?|boleh|可以|能不能|能否|吗|هل|كيف|كم", re.IGNORECASE)

YES = re.compile(
    r"^(yes|yeah|yep|yup|sure|ok|okay|confirm(ed)?|go ahead|do it|please do|correct|right|"
    r"s[ií]|claro|confirmo|adelante|dale|de acuerdo|sim|pode|isso|certo|confirmado|"
    r"ya|iya|iy[ae]|betul|benar|boleh|oke|lanjut(kan)?|setuju|"
    r"是|是的|好|好的|对|确认|可以|行|没问题|"
    r"نعم|أجل|اجل|أكيد|موافق|تمام|حسنا|حسناً)"
    r"([\s,.!]+(please|thanks|thank you|go ahead|do it|cancel it|por favor|gracias|obrigad[oa]|"
    r"tolong|terima kasih|lanjut(kan)?|谢谢|请|确认|شكرا|شكراً|من فضلك|i confirm|confirmo|confirm))*[\s.!。！]*$",
    re.IGNORECASE)
NO = re.compile(
    r"^(no|nope|nah|don'?t|do not|never ?mind|cancel that|stop|wait|"
    r"no,? gracias|mejor no|n[ãa]o|nem|tidak|gak|nggak|enggak|jangan|batal|"
    r"不|不要|不用|算了|别|否|لا|كلا)\b", re.IGNORECASE)


def confirmation(text: str) -> str | None:
    """``"yes"`` for an explicit yes (nothing else in the message), ``"no"`` for a no, else None."""
    clean = text.strip().strip("\"'").strip()
    if YES.match(clean):
        return "yes"
    if NO.match(clean) or clean in ("不", "لا"):
        return "no"
    return None


def gate(text: str, order_ids: Sequence[str]) -> str | None:
    """The action the turn's words ask for, if any. A return needs a request ("I want to return ...") or an
    order number (not a question about the policy in general, nor about a return's status); an exchange
    needs its words, and an order number or a request when put as a question."""
    for intent in ("resend_tracking", "change_address", "exchange_item", "cancel_order"):
        if CUES[intent].search(text):
            if intent == "exchange_item" and _POLICY_QUESTION.search(text) and not _REQUEST_WORD.search(text) \
                    and not order_ids:
                return None  # "can I exchange for another size?": the returns answer
            return intent
    request = _REQUEST_WORD.search(text) is not None
    if request and (_RETURN_WORD.search(text) or _REFUND_WORD.search(text)):
        return "start_return"  # "I want to return order 4411", "please refund my order"
    if order_ids and _RETURN_WORD.search(text) and not _STATUS_QUESTION.search(text):
        return "start_return"  # "return order 4411", "can I still return the boots from 4411?": its quote answers
    return None
