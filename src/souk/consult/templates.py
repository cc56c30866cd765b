"""What the AI attendant says in a consult call, in en, es, pt, id, zh and ar: data, not logic.

``{name}`` is the name of the person answering the call; ``{store}`` the store's name. A line missing in a
language falls back to English (:func:`line`).
"""

from __future__ import annotations

T: dict[str, dict[str, str]] = {
    # said when the AI joins a call that rings: the shopper knows who they talk to, and that a person comes
    "greeting": {
        "en": "Hi, I'm the store's assistant. A member of our team will be with you shortly. Meanwhile, how can I help?",
        "es": "Hola, soy el asistente de la tienda. Una persona de nuestro equipo le atenderá en breve. Mientras tanto, ¿en qué le puedo ayudar?",
        "pt": "Olá, sou o assistente da loja. Uma pessoa da nossa equipe vai atender você em breve. Enquanto isso, como posso ajudar?",
        "id": "Halo, saya asisten toko. Anggota tim kami akan segera melayani Anda. Sementara itu, ada yang bisa saya bantu?",
        "zh": "您好,我是店铺助手。我们的工作人员马上就来。在此之前,有什么可以帮您的吗?",
        "ar": "مرحبا، أنا مساعد المتجر. سينضم إليك أحد أعضاء فريقنا قريبا. في هذه الأثناء، كيف يمكنني مساعدتك؟",
    },
    # said when the person who answered joins; then the AI leaves the call
    "joining": {
        "en": "{name} is joining now.",
        "es": "{name} se une ahora.",
        "pt": "{name} está entrando agora.",
        "id": "{name} bergabung sekarang.",
        "zh": "{name}现在加入通话。",
        "ar": "{name} ينضم الآن.",
    },
    # the same when the person's name is not known
    "joining_unnamed": {
        "en": "A member of our team is joining now.",
        "es": "Una persona de nuestro equipo se une ahora.",
        "pt": "Uma pessoa da nossa equipe está entrando agora.",
        "id": "Anggota tim kami bergabung sekarang.",
        "zh": "我们的工作人员现在加入通话。",
        "ar": "ينضم الآن أحد أعضاء فريقنا.",
    },
}

LANGUAGES = ("en", "es", "pt", "id", "zh", "ar")


def line(key: str, language: str, **values: str) -> tuple[str, str]:
    """The line ``key`` in ``language`` (its base: ``es-MX`` -> ``es``), else in English, with ``values``
    filled in; returns (text, the language it is in)."""
    lines = T[key]
    lang = (language or "en").split("-")[0].lower()
    if lang not in lines:
        lang = "en"
    return lines[lang].format(**values), lang
