"""A small brain with canned replies per language, for running the voice path before (or without) a real one.

It knows nothing of commerce: it acknowledges the turn in the language it was spoken in.
"""

from __future__ import annotations

from souk.agent.brain import BrainReply

REPLIES = {
    "en": "Sure, let me check that for you. Your order shipped yesterday and should arrive within five days.",
    "es": "Claro, lo reviso ahora. Su pedido salió ayer y llegará en cinco días.",
    "zh": "好的，我帮您查一下。您的订单昨天已发货，五天内送达。",
    "ar": "حسنا، دعني أتحقق. تم شحن طلبك أمس وسيصل خلال خمسة أيام.",
    "id": "Baik, saya periksa dulu. Pesanan Anda dikirim kemarin dan tiba dalam lima hari.",
    "pt": "Claro, vou verificar. Seu pedido foi enviado ontem e chega em cinco dias.",
}


class CannedBrainSession:
    def __init__(self, language: str | None) -> None:
        self.language = language
        self.history: list[tuple[str, str]] = []

    async def reply(self, user_text: str, *, language_hint: str | None = None) -> BrainReply:
        lang = (language_hint or self.language or "en").split("-")[0]
        text = REPLIES.get(lang, REPLIES["en"])
        self.history.append((user_text, text))
        del self.history[:-50]
        return BrainReply(text=text, language=lang if lang in REPLIES else "en")

    def truncate_last_reply(self, heard_text: str) -> None:
        if self.history:
            self.history[-1] = (self.history[-1][0], heard_text)

    async def aclose(self) -> None:
        self.history.clear()


class CannedBrain:
    def new_session(self, *, customer_id: str | None = None, language: str | None = None,
                    channel: str = "text") -> CannedBrainSession:
        return CannedBrainSession(language)
