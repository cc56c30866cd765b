"""What a product question asks about: weight, size, battery, material, water, capacity, fit, ...

An *aspect* is a family of question words (en/es/pt/id/zh/ar) and the attribute keys of a product that answer
it. ``asked(text)`` lists the aspects a turn asks about; ``answer_keys(aspects, attributes)`` picks the
attribute keys of one product that answer them, so a reply can lead with the asked fact ("How heavy is the
tent?" -> weight) instead of a generic product card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Aspect:
    name: str
    words: re.Pattern[str]
    keys: re.Pattern[str]  # attribute keys that answer it (matched against the whole key)


def _aspect(name: str, words: str, keys: str) -> Aspect:
    return Aspect(name, re.compile(words, re.IGNORECASE), re.compile(rf"(?:{keys})"))


# Latin words are bounded on the left (\b) so "weigh" does not fire inside other words; CJK/Arabic are substrings.
ASPECTS: tuple[Aspect, ...] = (
    _aspect("weight", r"\b(heavy|heavier|weigh\w*|weight|light ?weight|how light|peso|pesa|pesad[oa]|berat|"
                      r"ringan)\b|多重|重量|有多重|分量|وزن|يزن|ثقيل|خفيف",
            r"weight_kg|min_kg|max_kg|shipping_weight_kg"),
    _aspect("battery", r"\b(battery|batteries|charge last|last on a charge|runtime|run time|bater[ií]a|bateria|"
                       r"baterai|daya tahan|autonom[ií]a)\b|电池|续航|待机|بطارية|البطارية|شحن يدوم",
            r"battery_\w+|runtime_min"),
    _aspect("material", r"\b(material|made of|made from|fabric|cloth|metal|gold|silver|plated|real gold|"
                        r"tela|tejido|hecho de|hecha de|tecido|feito de|feita de|bahan|terbuat dari|kain|logam|"
                        r"emas|perak)\b|材质|材料|面料|什么做的|金属|纯银|خامة|مادة|قماش|مصنوع|ذهب|فضة",
            r"material|metal|pearl|crystal|movement"),
    _aspect("water", r"\b(water ?proof|water[- ]?resistant|water resistance|rain|swim\w*|shower|dive|diving|"
                     r"impermeable|sumergible|resistente al agua|lluvia|nadar|prova d'?água|à prova|chuva|"
                     r"tahan air|anti air|hujan|berenang|ipx\d?|atm)\b|防水|下雨|游泳|مقاوم للماء|مقاومة للماء|"
                     r"الماء|المطر|السباحة",
            r"water_resistance|waterproof_\w+"),
    _aspect("capacity", r"\b(capacity|how many (people|persons|person)|sleeps|fits? (two|2|\d) (people|persons)|"
                        r"hold|holds|volume|lit(er|re)s?|ml|capacidad|cu[aá]ntas personas|capacidade|"
                        r"quantas pessoas|kapasitas|muat|berapa orang|isi)\b|容量|几个人|几人|多少人|能装|"
                        r"سعة|السعة|كم شخص",
            r"capacity(_\w+)?|volume_\w+|server_ml|pieces"),
    _aspect("size", r"\b(size|sizes|sizing|how big|dimensions?|measurements?|length|how long is|diameter|"
                    r"talla|tallas|tamaño|medidas?|largo|di[aá]metro|tamanho|tamanhos|comprimento|ukuran|"
                    r"panjang|besar)\b|尺码|尺寸|大小|多大|多长|长度|直径|مقاس|حجم|طول|قطر",
            r"sizes|length_cm|diameter_mm|capacity(_\w+)?|volume_\w+"),
    _aspect("fit", r"\b(compatible|compatibility|fit|fits|work with|works with|iphone|funciona con|"
                   r"compatível|funciona com|cocok|kompatibel|bisa dipakai)\b|兼容|适用|适合|能用|"
                   r"متوافق|يناسب|يعمل مع",
            r"compatible_models|plugs|bluetooth"),
    _aspect("ports", r"\b(ports?|plugs?|usb|usb-c|type-c|socket|enchufes?|puertos?|tomadas?|portas?|colokan|"
                     r"steker|port)\b|接口|插头|منفذ|منافذ|قابس",
            r"ports|plugs"),
    _aspect("power", r"\b(watts?|wattage|power|how fast|potencia|potência|daya|suction|succi[oó]n|sucção|"
                     r"isap\w*)\b|功率|瓦|吸力|قدرة|واط|شفط",
            r"watts|suction_kpa"),
    _aspect("colour", r"\b(colou?rs?|shades?|colores|tonos?|cores|tons|warna)\b|颜色|色号|لون|ألوان|الوان|درجات",
            r"colors|shades"),
    _aspect("spf", r"\b(spf|sun protection|sunscreen|fps|uv)\b|防晒|حماية من الشمس",
            r"spf"),
    _aspect("vegan", r"\b(vegan|vegano|vegana|cruelty)\b|纯素|نباتي", r"vegan"),
    _aspect("temperature", r"\b(hot|cold|warm|cool|ice|fr[ií]o|caliente|quente|gelad[oa]|fria|panas|dingin|"
                           r"hangat)\b|保温|保冷|热|冷|ساخن|بارد|حار",
            r"hot_hours|cold_hours"),
    _aspect("load", r"\b(max(imum)? load|weight limit|how much weight|support|carga|suporta|beban|menahan)\b|"
                    r"承重|الحمل|يتحمل",
            r"max_load_kg|max_kg"),
    _aspect("assembly", r"\b(assembl\w*|set ?up|install\w*|montaje|montar|montagem|rakit\w*|pasang)\b|组装|安装|"
                        r"تركيب|تجميع",
            r"assembly_minutes"),
    _aspect("ingredients", r"\b(ingredients?|contains?|ingredientes?|kandungan|komposisi|skin types?|piel|pele|"
                           r"kulit)\b|成分|肤质|مكونات|بشرة",
            r"ingredients|skin_types"),
    _aspect("resolution", r"\b(resolution|4k|fps|megapixel|resoluci[oó]n|resolução|resolusi|stabili[sz]\w*)\b|"
                          r"分辨率|防抖|دقة",
            r"resolution"),
    _aspect("certificate", r"\b(certificate|certified|authentic|hallmark\w*|certificado|sertifikat|asli)\b|"
                           r"证书|鉴定|شهادة|أصلي",
            r"certificate"),
    _aspect("features", r"\b(gps|heart rate|noise cancel\w*|anc|bluetooth|ritmo card[ií]aco|frequência cardíaca|"
                        r"detak jantung)\b|心率|降噪|蓝牙|معدل ضربات|بلوتوث",
            r"gps|anc|bluetooth"),
)


_NYA = re.compile(r"(\w{3,})nya\b", re.IGNORECASE)


_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")


def asked(text: str, names: Iterable[str] = ()) -> tuple[Aspect, ...]:
    """The aspects a turn asks about, in catalog order (Indonesian "-nya" suffixes removed first).

    ``names``: the product's names; their words are not questions ("the *gold* hoop earrings", "the
    *waterproof* jacket"), so they are blanked out before matching.
    """
    text = _NYA.sub(r"\1", text)
    for name in names:
        if name.isascii() or _LATIN_WORD.search(name):
            for word in _LATIN_WORD.findall(name):
                text = re.sub(rf"(?<![A-Za-zÀ-ÿ]){re.escape(word)}(?![A-Za-zÀ-ÿ])", " ", text, flags=re.IGNORECASE)
        else:
            text = text.replace(name, " ")
    return tuple(a for a in ASPECTS if a.words.search(text))


def answer_keys(aspects: tuple[Aspect, ...], attributes: dict[str, object]) -> list[str]:
    """Keys of ``attributes`` that answer the aspects, in the order asked, without repeats."""
    keys: list[str] = []
    for aspect in aspects:
        for key in attributes:
            if aspect.keys.fullmatch(key) and key not in keys:
                keys.append(key)
    return keys


def blank(text: str) -> str:
    """``text`` with every aspect word removed (what is left names the product, if anything)."""
    text = _NYA.sub(r"\1", text)
    for a in ASPECTS:
        text = a.words.sub(" ", text)
    return text
