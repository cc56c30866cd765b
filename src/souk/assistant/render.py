"""Turn tool results into sentences in the shopper's language (localized dates, numbers, money)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from souk.assistant.locale import fmt_date, fmt_days, fmt_money, fmt_range, join_list
from souk.assistant.messages import REFUND_STATUS, STATUS, say, word
from souk.assistant.places import country_name

# attribute key -> label per language (en, es, pt, id, zh, ar) and an optional unit key
_ATTR: dict[str, tuple[tuple[str, str, str, str, str, str], str]] = {
    "sizes": (("sizes", "tallas", "tamanhos", "ukuran", "尺码", "المقاسات"), ""),
    "colors": (("colors", "colores", "cores", "warna", "颜色", "الألوان"), ""),
    "shades": (("shades", "tonos", "tons", "warna", "色号", "الدرجات"), ""),
    "material": (("material", "material", "material", "bahan", "材质", "الخامة"), ""),
    "battery_hours": (("battery", "batería", "bateria", "baterai", "电池续航", "البطارية"), "h"),
    "battery_days": (("battery", "batería", "bateria", "baterai", "电池续航", "البطارية"), "d"),
    "warranty_months": (("warranty", "garantía", "garantia", "garansi", "保修", "الضمان"), "m"),
    "compatible_models": (("compatible with", "compatible con", "compatível com", "kompatibel dengan", "适用机型",
                           "متوافق مع"), ""),
    "water_resistance": (("water resistance", "resistencia al agua", "resistência à água", "tahan air", "防水等级",
                          "مقاومة الماء"), ""),
    "waterproof_mm": (("waterproof rating", "impermeabilidad", "impermeabilidade", "tahan air", "防水指数",
                       "مقاومة الماء"), "mm"),
    "waterproof_m": (("waterproof to", "sumergible hasta", "à prova d'água até", "tahan air sampai", "防水深度",
                      "مقاومة للماء حتى"), "m_depth"),
    "metal": (("metal", "metal", "metal", "logam", "金属", "المعدن"), ""),
    "breathable": (("breathable", "transpirable", "respirável", "menyerap keringat", "透气", "قابل للتنفس"), ""),
    "vegan": (("vegan", "vegano", "vegano", "vegan", "纯素", "نباتي"), ""),
    "certificate": (("certificate", "certificado", "certificado", "sertifikat", "证书", "شهادة"), ""),
    "max_load_kg": (("max load", "carga máxima", "carga máxima", "beban maks", "最大承重", "الحمل الأقصى"), "kg"),
    "cold_hours": (("keeps cold", "mantiene frío", "mantém gelado", "dingin selama", "保冷", "يحافظ على البرودة"), "h"),
    "hot_hours": (("keeps hot", "mantiene caliente", "mantém quente", "panas selama", "保温", "يحافظ على السخونة"),
                  "h"),
    "volume_l": (("volume", "volumen", "volume", "volume", "容量", "السعة"), "l"),
    "capacity_l": (("capacity", "capacidad", "capacidade", "kapasitas", "容量", "السعة"), "l"),
    "capacity_ml": (("capacity", "capacidad", "capacidade", "kapasitas", "容量", "السعة"), "ml"),
    "volume_ml": (("volume", "volumen", "volume", "volume", "容量", "السعة"), "ml"),
    "weight_kg": (("weight", "peso", "peso", "berat", "重量", "الوزن"), "kg"),
    "capacity": (("capacity (people)", "capacidad (personas)", "capacidade (pessoas)", "kapasitas (orang)",
                  "容纳人数", "السعة (أشخاص)"), ""),
    "length_cm": (("length", "largo", "comprimento", "panjang", "长度", "الطول"), "cm"),
    "diameter_mm": (("diameter", "diámetro", "diâmetro", "diameter", "直径", "القطر"), "mm"),
    "ingredients": (("ingredients", "ingredientes", "ingredientes", "bahan aktif", "成分", "المكونات"), ""),
    "watts": (("power", "potencia", "potência", "daya", "功率", "القدرة"), "w"),
    "runtime_min": (("runtime", "autonomía", "autonomia", "daya tahan", "续航", "مدة التشغيل"), "min"),
    "shipping_weight_kg": (("weight with packaging", "peso con embalaje", "peso com embalagem",
                            "berat dengan kemasan", "含包装重量", "الوزن مع التغليف"), "kg"),
    "min_kg": (("minimum weight", "peso mínimo", "peso mínimo", "berat minimum", "最小重量", "الوزن الأدنى"), "kg"),
    "max_kg": (("maximum weight", "peso máximo", "peso máximo", "berat maksimum", "最大重量", "الوزن الأقصى"), "kg"),
    "spf": (("SPF", "FPS", "FPS", "SPF", "防晒指数", "عامل الحماية من الشمس"), ""),
    "pieces": (("pieces", "piezas", "peças", "jumlah bagian", "件数", "عدد القطع"), ""),
    "server_ml": (("server", "jarra", "jarra", "server", "分享壶", "الإبريق"), "ml"),
    "assembly_minutes": (("assembly", "montaje", "montagem", "perakitan", "组装", "التركيب"), "min"),
    "suction_kpa": (("suction", "succión", "sucção", "daya isap", "吸力", "قوة الشفط"), "kpa"),
    "ports": (("ports", "puertos", "portas", "port", "接口", "المنافذ"), ""),
    "plugs": (("plugs", "enchufes", "tomadas", "colokan", "插头", "القوابس"), ""),
    "resolution": (("resolution", "resolución", "resolução", "resolusi", "分辨率", "الدقة"), ""),
    "pearl": (("pearl", "perla", "pérola", "mutiara", "珍珠", "اللؤلؤ"), ""),
    "movement": (("movement", "movimiento", "movimento", "mesin", "机芯", "الحركة"), ""),
    "crystal": (("crystal", "cristal", "cristal", "kaca", "表镜", "الزجاج"), ""),
    "skin_types": (("skin types", "tipos de piel", "tipos de pele", "jenis kulit", "适用肤质", "أنواع البشرة"), ""),
    "volume_g": (("net weight", "peso neto", "peso líquido", "berat bersih", "净含量", "الوزن الصافي"), "g"),
}
_COL = {"en": 0, "es": 1, "pt": 2, "id": 3, "zh": 4, "ar": 5}
_YES = {"en": "yes", "es": "sí", "pt": "sim", "id": "ya", "zh": "是", "ar": "نعم"}
_UNITS = {
    "h": {"en": "{v} hours", "es": "{v} horas", "pt": "{v} horas", "id": "{v} jam", "zh": "{v}小时", "ar": "{v} ساعة"},
    "d": {"en": "{v} days", "es": "{v} días", "pt": "{v} dias", "id": "{v} hari", "zh": "{v}天", "ar": "{v} يوما"},
    "m": {"en": "{v} months", "es": "{v} meses", "pt": "{v} meses", "id": "{v} bulan", "zh": "{v}个月", "ar": "{v} شهرا"},
    "mm": {"en": "{v} mm", "es": "{v} mm", "pt": "{v} mm", "id": "{v} mm", "zh": "{v}毫米", "ar": "{v} مم"},
    "m_depth": {"en": "{v} m", "es": "{v} m", "pt": "{v} m", "id": "{v} m", "zh": "{v}米", "ar": "{v} م"},
    "kg": {"en": "{v} kg", "es": "{v} kg", "pt": "{v} kg", "id": "{v} kg", "zh": "{v}公斤", "ar": "{v} كغ"},
    "l": {"en": "{v} L", "es": "{v} L", "pt": "{v} L", "id": "{v} L", "zh": "{v}升", "ar": "{v} لتر"},
    "ml": {"en": "{v} ml", "es": "{v} ml", "pt": "{v} ml", "id": "{v} ml", "zh": "{v}毫升", "ar": "{v} مل"},
    "cm": {"en": "{v} cm", "es": "{v} cm", "pt": "{v} cm", "id": "{v} cm", "zh": "{v}厘米", "ar": "{v} سم"},
    "w": {"en": "{v} W", "es": "{v} W", "pt": "{v} W", "id": "{v} W", "zh": "{v}瓦", "ar": "{v} واط"},
    "kpa": {"en": "{v} kPa", "es": "{v} kPa", "pt": "{v} kPa", "id": "{v} kPa", "zh": "{v}千帕", "ar": "{v} كيلوباسكال"},
    "g": {"en": "{v} g", "es": "{v} g", "pt": "{v} g", "id": "{v} g", "zh": "{v}克", "ar": "{v} غ"},
    "min": {"en": "{v} min", "es": "{v} min", "pt": "{v} min", "id": "{v} menit", "zh": "{v}分钟", "ar": "{v} دقيقة"},
}


def _date(value: str | None, lang: str) -> str:
    return fmt_date(dt.date.fromisoformat(value), lang) if value else "-"


def date_text(value: str | None, lang: str) -> str:
    """An ISO date of a tool result, written the reader's way."""
    return _date(value, lang)


def product_name(names: dict[str, str], lang: str) -> str:
    return names.get(lang) or names.get("en") or next(iter(names.values()), "?")


def attributes(attrs: dict[str, Any], lang: str) -> str:
    parts = attribute_parts(attrs, lang)
    if not parts:
        return ""
    sep = "; " if lang not in ("zh",) else ";"
    return (" " if lang != "zh" else "") + sep.join(parts) + ("." if lang != "zh" else "。")


def attribute_list(attrs: dict[str, Any], lang: str) -> str:
    """``label: value`` pairs joined for the middle of a sentence (no leading space, no full stop)."""
    return ("; " if lang != "zh" else ";").join(attribute_parts(attrs, lang))


def attribute_parts(attrs: dict[str, Any], lang: str) -> list[str]:
    parts: list[str] = []
    col = _COL.get(lang, 0)
    for key, value in attrs.items():
        spec = _ATTR.get(key)
        if spec is None:
            label = key.replace("_", " ")
            unit = ""
        else:
            label, unit = spec[0][col], spec[1]
        if isinstance(value, bool):
            if not value:
                continue
            text = _YES.get(lang, "yes")
        elif isinstance(value, list):
            text = ", ".join(map(str, value))
        else:
            text = str(value)
            if unit:
                text = _UNITS[unit].get(lang, _UNITS[unit]["en"]).format(v=text)
        parts.append(f"{label}: {text}")
    return parts


def order_text(order: dict[str, Any], lang: str, currency: str, *, focus: str | None = None,
               items: bool = True) -> str:
    """One order in a sentence or two; ``items=False`` (spoken replies) leaves out the item list."""
    status = order["status"]
    label = word(STATUS, status, lang)
    oid = order["order_id"]
    carrier = order.get("carrier") or "-"
    tracking = order.get("tracking_number") or "-"
    if focus == "carrier" and order.get("carrier"):
        return say("order_carrier", lang, oid=oid, carrier=carrier, tracking=tracking, status=label)
    if status in ("processing", "pending", "exception"):
        text = say("order_processing", lang, oid=oid, status=label, placed=_date(order.get("placed_on"), lang))
    elif status in ("shipped", "in_transit", "out_for_delivery"):
        eta = order.get("estimated_delivery")
        eta_text = fmt_range(dt.date.fromisoformat(eta[0]), dt.date.fromisoformat(eta[1]), lang) if eta else "-"
        text = say("order_moving", lang, oid=oid, status=label, shipped=_date(order.get("shipped_on"), lang),
                   carrier=carrier, tracking=tracking, eta=eta_text)
    elif status == "delivered":
        text = say("order_delivered", lang, oid=oid, status=label,
                   delivered=_date(order.get("delivered_on"), lang), carrier=carrier, tracking=tracking)
    elif status == "customs_hold":
        text = say("order_customs", lang, oid=oid, status=label, carrier=carrier, tracking=tracking)
    else:
        refund = ""
        if order.get("refunded"):
            rs = word(REFUND_STATUS, order.get("refund_status") or "pending", lang)
            refund = say("refund_line", lang, amount=fmt_money(Decimal(order["refunded"]), currency, lang),
                         refund_status=rs)
        text = say("order_closed", lang, oid=oid, status=label, refund=refund)
    if items:
        listed = join_list([f"{ln['qty']} × {product_name(ln['names'], lang)}" for ln in order["lines"]], lang)
        text += say("order_items", lang, items=listed, total=fmt_money(Decimal(order["total"]), currency, lang))
    return text


def shipping_text(info: dict[str, Any], lang: str, method: str | None) -> str:
    country = country_name(info["country"], lang)
    if not info.get("ships"):
        served = [country_name(c, lang) for c in info.get("served_countries") or []]
        return say("no_ship", lang, country=country, origin=info.get("ships_from") or "-",
                   countries=join_list(served, lang) or "-")
    key = {"express": "shipping_express", "standard": "shipping_standard"}.get(method or "", "shipping")
    std, exp = info["standard_days"], info["express_days"]
    text = say(key, lang, country=country, std=fmt_days(std[0], std[1], lang), exp=fmt_days(exp[0], exp[1], lang),
               free=fmt_money(Decimal(info["free_shipping_over"]), info["currency"], lang))
    fees = [(k, str(info[f"{k}_fee"])) for k in ("standard", "express")
            if method in (None, k) and info.get(f"{k}_fee") is not None]
    if fees:
        money = {k: fmt_money(Decimal(v), info["currency"], lang) for k, v in fees}
        frag = "shipping_fees" if len(money) == 2 else f"shipping_fee_{fees[0][0]}"
        text += ("" if lang == "zh" else " ") + say(frag, lang, std_fee=money.get("standard", ""),
                                                     exp_fee=money.get("express", ""))
    return text


def product_text(p: dict[str, Any], lang: str, currency: str, *, with_stock: bool = True,
                 description_lang: str | None = None) -> str:
    """The product in a sentence or two. Its description (the store's words, in ``description_lang``, the
    store's primary language) is shown to a reader of that language; others get the attributes."""
    name = product_name(p["names"], lang)
    stock = ""
    if with_stock:
        stock = (" " if lang != "zh" else "") + stock_text(p, lang, short=True)
    return say("product", lang, name=name, price=fmt_money(Decimal(p["price"]), currency, lang),
               description=_description(p["description"], description_lang, lang),
               attrs=attributes(p["attributes"], lang), stock=stock).replace("  ", " ")


_OWN_SCRIPT = frozenset({"ar", "zh"})  # languages not written in the Latin alphabet (of the reply languages)


def _description(text: str, text_lang: str | None, lang: str) -> str:
    """The store's description as it is when the reader reads its language; labelled as the store's words in
    the same alphabet; left out when written in another script (its facts are in the attributes)."""
    if not text or text_lang in (None, lang):
        return text
    if text_lang in _OWN_SCRIPT or (text_lang not in ("en", "es", "pt", "id", "de", "fr", "it", "nl") and
                                    not text.isascii()):
        return ""
    return say("product_desc", lang, text=text)


def stock_text(p: dict[str, Any], lang: str, *, short: bool = False) -> str:
    name = product_name(p["names"], lang)
    if p["in_stock"]:
        return say("in_stock_short" if short else "in_stock", lang, name=name)
    if p.get("restock_date"):
        return say("out_of_stock", lang, name=name, date=_date(p["restock_date"], lang))
    return say("out_of_stock_nodate", lang, name=name)


def country(code: str, lang: str) -> str:
    return country_name(code, lang)
