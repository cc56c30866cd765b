"""Per-turn language detection for en, es, zh, ar, id, pt (script first, then function words).

Short or ambiguous turns ("1014", "ok") keep the conversation's previous language.
"""

from __future__ import annotations

import re

SUPPORTED = ("en", "es", "zh", "ar", "id", "pt")

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F]")
_CJK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF]")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
_WORD = re.compile(r"[a-záéíóúñüàâãõçêô]+")

# Frequent function words and shop vocabulary; words shared by two languages appear in both.
_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(["the", "your", "you", "is", "and", "to", "of", "for", "order", "it", "we", "can", "a", "in", "be", "are", "my", "i", "where", "what", "when", "how", "does", "do", "did", "with", "this", "that", "will", "have", "has", "me", "please", "want", "can't", "cannot", "is", "there", "which", "much", "many", "long", "ship", "shipping", "return", "price", "buy", "pay", "get", "an", "was", "not", "at", "from", "about", "would", "could", "should", "hi", "hello", "thanks", "package", "parcel", "arrived", "still", "yet", "any", "there", "they", "them", "our", "us", "who", "why", "dress", "case", "status", "track", "tracking", "refund", "cancel"]),
    "es": frozenset(["el", "la", "los", "las", "de", "que", "su", "tu", "es", "en", "y", "por", "para", "pedido", "con", "un", "una", "se", "días", "mi", "mis", "dónde", "donde", "cuándo", "cuando", "cómo", "como", "cuánto", "cuanto", "cuántos", "cuántas", "qué", "puedo", "quiero", "hola", "gracias", "envío", "tarda", "del", "al", "está", "esta", "estoy", "hay", "tiene", "tienen", "pagar", "devolver", "paquete", "llega", "llegó", "todavía", "también", "muy", "pero", "sí", "no", "lo", "le", "me", "te", "nos", "sus", "este", "esto", "eso", "hasta", "desde", "sobre", "usted", "ustedes", "hablar", "persona", "favor", "necesito", "aceptan", "acepta", "cuál", "busco", "aguanta", "lluvia", "pesa", "viene", "cuesta", "cuál", "tallas", "talla", "precio", "chaqueta", "silla", "botella", "collar", "reloj", "comprar", "tienda", "producto", "quisiera", "gustaría", "mío", "aquí", "ahora", "hoy", "tengo", "días", "impuesto", "impuestos", "envían", "garantía", "cambio", "cambiar", "cancelar", "dirección", "ver", "solo", "entonces", "porque", "ya", "aún", "allí", "ese", "esa", "estos", "esas", "son", "soy", "mí", "algún", "alguna", "ningún", "ninguna", "saben", "agotado", "agotada"]),
    "pt": frozenset(["o", "a", "os", "de", "que", "seu", "você", "para", "com", "não", "um", "uma", "pedido", "meu", "minha", "onde", "quando", "como", "quanto", "quantos", "quantas", "posso", "quero", "olá", "obrigado", "obrigada", "envio", "entrega", "do", "da", "dos", "das", "no", "na", "nos", "nas", "está", "chegou", "ainda", "também", "muito", "mas", "sim", "ele", "ela", "isso", "este", "esta", "até", "pagar", "devolver", "encomenda", "pacote", "frete", "é", "são", "tem", "têm", "falar", "pessoa", "preciso", "vocês", "aceitam", "aceita", "oi", "tudo", "bem", "boleto", "prazo", "qual", "vou", "vai", "taxa", "nao", "pra", "pro", "né", "voce", "vcs", "aguenta", "chuva", "forte", "pesa", "vem", "cor", "cores", "tamanho", "preço", "jaqueta", "cadeira", "garrafa", "colar", "relógio", "fone", "comprar", "loja", "produto", "gostaria", "queria", "meus", "minhas", "seus", "pelo", "pela", "isso", "aqui", "agora", "hoje", "tá", "estou", "tenho", "dá", "dias", "quanto", "quantos", "imposto", "entregam", "vocês", "garantia", "troca", "trocar", "cancelar", "mudar", "endereço", "ver", "ou", "só", "então", "porque", "por", "favor", "me", "passa", "atendente", "alguém", "obrigado", "valeu", "quais", "pagamento", "formas", "vocês", "têm", "posso", "cadê", "há", "algum", "alguma", "alguns", "algumas", "nenhum", "nenhuma", "sabem", "vossa", "vosso", "esgotou", "esgotado", "esgotada"]),
    "id": frozenset(["yang", "dan", "anda", "untuk", "dengan", "pesanan", "ini", "di", "ke", "dari", "akan", "bisa", "kami", "hari", "saya", "apakah", "apa", "ada", "berapa", "kapan", "bagaimana", "mana", "sudah", "belum", "tolong", "terima", "kasih", "kirim", "pengiriman", "barang", "paket", "sampai", "bayar", "pembayaran", "tidak", "bukan", "juga", "mau", "ingin", "bisakah", "itu", "harga", "lama", "berapa", "dong", "ya", "kak", "mohon", "halo", "hai", "selamat", "pagi", "siang", "malam", "gan", "sis", "min", "nggak", "gak", "ga", "enggak", "ngga", "nggk", "kok", "sih", "deh", "aja", "udah", "gimana", "kenapa", "pakai", "pake", "buat", "tahan", "pintar", "beli", "kalau", "kalo", "masih", "lagi", "bagus", "murah", "mahal", "ukurannya", "warnanya", "harganya", "beratnya", "ongkir", "gratis", "kirimnya", "tanya", "boleh", "minta", "punya", "atau", "tapi", "jadi", "sama", "gimana", "dimana", "kapan", "siapa", "kasih", "cek", "tolong", "terlambat", "belum", "datang", "nih", "dong", "ya", "yg", "utk", "sdh", "blm", "tdk", "gk"]),
}
_MARKS = {"es": re.compile(r"[ñ¿¡]"), "pt": re.compile(r"[ãõçêôâ]|ção|ções"),
          "id": re.compile(r"\b[a-z]{3,}nya\b")}  # Indonesian "-nya": beratnya, lipstiknya, kurirnya


def detect_language(text: str, *, prior: str | None = None, hint: str | None = None) -> str:
    """Best guess of the language of ``text``; ``prior`` wins when the text says too little."""
    fallback = prior if prior in SUPPORTED else (hint if hint in SUPPORTED else "en")
    sample = text[:2000]
    arabic = len(_ARABIC.findall(sample))
    cjk = len(_CJK.findall(sample))
    letters = len(_LATIN.findall(sample))
    if arabic and arabic >= max(cjk, letters // 4):
        return "ar"
    if cjk and cjk >= max(arabic, letters // 8):
        return "zh"
    words = _WORD.findall(sample.lower())
    scores = {lang: float(sum(w in vocab for w in words)) for lang, vocab in _WORDS.items()}
    for lang, pattern in _MARKS.items():
        scores[lang] += 1.5 * len(pattern.findall(sample.lower()))
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0]
    second = ranked[1][1]
    if top == 0:
        return hint if hint in SUPPORTED else fallback
    known = prior in SUPPORTED
    if known and top - second < 1 and scores.get(prior or "", 0) >= top - 0.5:
        return prior  # type: ignore[return-value]  # a tie: keep the conversation's language
    if known and top < 2 and len(words) <= 2 and prior not in ("ar", "zh"):
        return prior  # type: ignore[return-value]  # too little evidence to switch (Latin words after Arabic
        # or Chinese are a switch of script: the shopper is writing in the Latin-script language now)
    if top - second < 1 and hint in scores and scores[hint or ""] >= top - 0.5:
        return hint  # type: ignore[return-value]
    return best
