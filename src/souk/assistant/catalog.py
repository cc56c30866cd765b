"""Product references and semantic search over one store snapshot.

Two signals: lexical overlap with the localized names (and the description), weighted by how rare each
word is in the catalog, and the e5 cosine between the turn and each product's text. Built once per
catalog (the snapshot's products), then each look-up is one query embedding plus numpy.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from souk.agent.embed.base import Embedder
from souk.domain.models import Product

_TOKEN = re.compile(r"[a-z0-9áéíóúñüàâãõçêô]+|[\u0600-\u06FF]+")
_CJK = re.compile(r"[\u4E00-\u9FFF]")
_STOP = frozenset(["the", "a", "an", "of", "for", "with", "and", "to", "in", "on", "is", "it", "my", "your", "de", "del", "la", "el", "los", "las", "con", "para", "por", "y", "en", "un", "una", "o", "e", "com", "do", "da", "um", "uma", "dan", "untuk", "yang", "dengan", "di", "ke", "this", "that", "can", "i", "does", "do", "be", "are"])
# Common words that name a whole category, in the supported languages (matched as tokens or CJK substrings),
# keyed by the category id a store would use; a store's own category ids also match as words (ProductIndex).
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "outdoor": ("camping", "camp", "outdoor", "outdoors", "hiking", "trekking", "gym", "workout", "acampar",
                "gimnasio", "ejercicio", "entrenar", "academia", "ginásio", "malhar", "treino", "olahraga", "fitnes",
                "健身房", "锻炼", "رياضة", "تمارين",
                "senderismo", "aire libre", "ao ar livre", "trilha", "berkemah", "kemah", "mendaki", "露营", "户外",
                "徒步", "健身", "تخييم", "رحلات", "الهواء الطلق"),
    "electronics": ("gadget", "gadgets", "electronics", "electronic", "tech", "electrónica", "eletrônicos",
                    "elektronik", "电子", "数码", "إلكترونيات"),
    "beauty": ("makeup", "cosmetics", "skincare", "beauty", "maquillaje", "belleza", "maquiagem", "beleza",
               "kosmetik", "kecantikan", "化妆", "美妆", "护肤", "مكياج", "تجميل"),
    "jewelry": ("jewelry", "jewellery", "joyería", "joyas", "joias", "perhiasan", "珠宝", "首饰", "مجوهرات"),
    "apparel": ("clothes", "clothing", "apparel", "ropa", "roupa", "roupas", "baju", "pakaian", "衣服", "服装",
                "ملابس"),
    "home": ("home", "kitchen", "house", "furniture", "hogar", "cocina", "muebles", "casa", "cozinha", "móveis",
             "rumah", "dapur", "家居", "厨房", "家具", "المنزل", "مطبخ", "أثاث"),
}
# Everyday product words in other languages (Portuguese in particular: catalogs often lack pt names),
# mapped to the English word a catalog name would use. Used to expand a turn before lexical matching.
PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    "earbuds": ("headphones", "headphone", "earphones", "earphone", "headset", "auriculares", "audífonos",
                "fones", "fone", "耳机", "سماعات", "سماعة", "earbud"),
    "case": ("cover", "funda", "capa", "capinha", "casing", "手机壳", "جراب"),
    "charger": ("cargador", "carregador", "充电器", "شاحن"),
    "dumbbell": ("dumbbells", "weights", "pesas", "haltere", "halteres", "mancuernas", "哑铃", "دمبل"),
    "bottle": ("flask", "thermos", "garrafa", "termo", "botol", "水瓶", "水壶", "زجاجة"),
    "vacuum": ("hoover", "aspirador", "aspiradora", "吸尘器", "مكنسة"),
    "watch": ("relógio", "relogio", "reloj", "jam tangan", "手表", "ساعة"),
    "necklace": ("colar", "collar", "kalung", "项链", "قلادة", "عقد"),
    "earrings": ("earring", "brincos", "brinco", "aretes", "pendientes", "anting", "耳环", "أقراط", "حلق"),
    "lipstick": ("batom", "labial", "lipstik", "口红", "أحمر"),
    "tent": ("barraca", "tenda", "帐篷", "خيمة"),
    "jacket": ("jaqueta", "chaqueta", "jaket", "casaco", "夹克", "سترة"),
    "dress": ("vestido", "gaun", "连衣裙", "裙子", "فستان"),
    "shirt": ("t-shirt", "tshirt", "tee", "camiseta", "kaos", "t恤", "قميص"),
    "chair": ("cadeira", "silla", "kursi", "椅子", "كرسي"),
    "camera": ("câmera", "cámara", "kamera", "相机", "كاميرا"),
    "serum": ("sérum", "精华", "سيروم"),
    "foundation": ("base", "粉底", "أساس"),
    "coffee": ("café", "kopi", "咖啡", "قهوة"),
    "abaya": ("abaya", "长袍", "عباءة"),
}
_WORD_TO_PRODUCT = {w: canon for canon, words in PRODUCT_WORDS.items() for w in words}


def expand(text: str) -> str:
    """Append the English product word for every foreign/synonym product word found in the turn."""
    low = text.lower()
    extra = [canon for word, canon in _WORD_TO_PRODUCT.items()
             if (word in low if not word.isascii() else re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", low))]
    return text + (" " + " ".join(dict.fromkeys(extra)) if extra else "")


def video_eligible(product: Product, products: Sequence[Product], offer: str = "") -> bool:
    """Whether a video consultation suits this product, from the store's data: the product's own
    ``video_consult`` attribute if it has one; else the store's words about video consultations (``offer``,
    its FAQ answer) naming the product's category or a word of its name; else a price above the median of
    the store's catalog."""
    own = product.attributes.get("video_consult")
    if isinstance(own, bool):
        return own
    if mentioned(product, offer):
        return True
    prices = sorted(p.price for p in products)
    return bool(prices) and product.price > prices[(len(prices) - 1) // 2]


def mentioned(product: Product, text: str) -> bool:
    """The store's words name the product's category or a word of one of its names ("watches", "jewelry")."""
    said = {_singular(w) for w in _TOKEN.findall(text.lower())}
    named = {_singular(w) for w in _TOKEN.findall(product.category.replace("_", " ").lower())}
    for name in product.names.values():
        named |= {_singular(w) for w in _TOKEN.findall(name.lower()) if len(w) >= 3}
    return bool(said & named)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxhz":
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _ar_stem(tok: str) -> str:
    for prefix in ("وال", "بال", "لل", "ال", "و", "ب"):
        if tok.startswith(prefix) and len(tok) - len(prefix) >= 3:
            return tok[len(prefix):]
    return tok


def tokens(text: str) -> list[str]:
    out = []
    for t in _TOKEN.findall(text.lower()):
        if t in _STOP or (len(t) < 2 and not t.isdigit()):
            continue
        if "\u0600" <= t[0] <= "\u06FF":
            t = _ar_stem(t)
        elif len(t) > 5 and t.endswith("nya"):
            t = t[:-3]  # Indonesian "-nya" (its/the): "vacuumnya", "tendanya"
        elif len(t) > 4 and t.endswith("es") and not t.endswith("ses"):
            t = t[:-2]
        elif len(t) > 3 and t.endswith("s") and not t.endswith("ss"):
            t = t[:-1]
        out.append(t)
    cjk = "".join(_CJK.findall(text))
    out.extend(cjk[i:i + 2] for i in range(len(cjk) - 1))
    return out


@dataclass(frozen=True, slots=True)
class Match:
    product: Product
    score: float
    lexical: float
    semantic: float


class ProductIndex:
    def __init__(self, products: tuple[Product, ...], embedder: Embedder) -> None:
        self.products = products
        self._embedder = embedder
        self._name_tokens: list[set[str]] = []
        self._desc_tokens: list[set[str]] = []
        df: Counter[str] = Counter()
        for p in products:
            names = set()
            for name in p.names.values():
                names.update(tokens(name))
            names.update(tokens(p.sku))
            desc = set(tokens(p.description)) | set(tokens(p.category))
            for value in p.attributes.values():
                if isinstance(value, list):
                    desc.update(tokens(" ".join(map(str, value))))
            desc -= names
            self._name_tokens.append(names)
            self._desc_tokens.append(desc)
            df.update(names | desc)
        #: tokens of this catalog that look like order ids and are not: SKUs, numbers in product names
        self.not_order_ids = frozenset({p.sku.upper() for p in products} | {
            n for p in products for name in p.names.values() for n in re.findall(r"\d{4,}", name)})
        self._category_tokens = {c: set(tokens(c.replace("_", " "))) for c in {p.category for p in products}}
        n = max(len(products), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._name_vocab = sorted({t for names in self._name_tokens for t in names if len(t) >= 5 and t.isascii()})
        texts = [f"{p.name('en')}. {p.category}. {p.description} " + " / ".join(p.names.values()) for p in products]
        self._vectors: npt.NDArray[np.float32] = embedder.passages(texts) if products else np.zeros((0, 1), np.float32)

    def _lexical(self, text: str) -> npt.NDArray[np.float64]:
        toks = set(tokens(expand(text)))
        # a misspelt product word ("dumbell", "earbugs") counts as the catalog word it is one typo away from
        toks |= {close[0] for t in toks if len(t) >= 5 and t not in self._idf and t.isascii()
                 for close in [difflib.get_close_matches(t, self._name_vocab, n=1, cutoff=0.86)] if close}
        low = text.lower()
        cats = {c for c, words in CATEGORY_WORDS.items()
                if any((w in low) if not w.isascii() else re.search(rf"\b{re.escape(w)}\b", low) for w in words)}
        cats |= {c for c, words in self._category_tokens.items() if words and words <= toks}  # "fragrances"
        scores = np.zeros(len(self.products))
        for i, (names, desc) in enumerate(zip(self._name_tokens, self._desc_tokens)):
            hit = sum(self._idf.get(t, 0.0) for t in toks & names)
            hit += 0.35 * sum(self._idf.get(t, 0.0) for t in toks & desc)
            if self.products[i].category in cats:
                hit += 0.8
            scores[i] = hit
        return scores

    def _semantic(self, text: str) -> npt.NDArray[np.float64]:
        if not len(self.products):
            return np.zeros(0)
        q = self._embedder.query(text)
        return (self._vectors @ q).astype(np.float64)

    def rank(self, text: str) -> list[Match]:
        lex = self._lexical(text)
        sem = self._semantic(text)
        score = lex + 6.0 * np.maximum(sem - 0.78, 0)
        order = np.argsort(-score)
        return [Match(self.products[i], float(score[i]), float(lex[i]), float(sem[i])) for i in order]

    def resolve(self, text: str) -> Product | None:
        """The one product a turn refers to, or None when no product is named clearly enough."""
        ranked = self.rank(text)
        if not ranked:
            return None
        best = ranked[0]
        runner = ranked[1].score if len(ranked) > 1 else 0.0
        if best.lexical >= 1.2 and best.score >= runner + 0.3:
            return best.product
        if best.semantic >= 0.86 and best.score >= runner + 0.15:
            return best.product
        return None

    def search(self, text: str, *, max_price: Decimal | None = None, limit: int = 3) -> list[Match]:
        ranked = [m for m in self.rank(text) if max_price is None or m.product.price <= max_price]
        if not ranked:
            return []
        top = ranked[0].score
        good = [m for m in ranked if m.score >= max(0.25, top * 0.5) or m.semantic >= 0.84]
        if not good and max_price is not None:
            # "any gifts under $30?": nothing named, the budget is the request; the dearest items within it first.
            within = sorted((m for m in ranked if m.product.in_stock), key=lambda m: m.product.price, reverse=True)
            return within[:limit]
        return good[:limit]
