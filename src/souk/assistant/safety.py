"""Cheap, explicit checks that run before routing: injection, anger, hand-off requests, claims."""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (all |any |the )?(previous|prior|above|earlier|your) (instructions|rules|prompts?)|"
    r"disregard (all |the |your )?(previous |prior )?(instructions|rules)|system prompt|your instructions|"
    r"reveal (your|the) (prompt|instructions|rules)|you are now|act as (an? )?(admin|developer|dan)|"
    r"developer mode|jailbreak|pretend (you|to be)|new instructions|override (the|your|all)|"
    r"(set|change|make) the price|price (to|=) ?\$?0|(100|[5-9]\d) ?% ?(off|discount|descuento|desconto|diskon)|"
    r"(discount|descuento|desconto|diskon|折扣|خصم) (of |de |sebesar )?(100|[5-9]\d) ?%|"
    r"forget (your|all|the|previous) (rules|instructions)|olvida (tus|las|todas las) (reglas|instrucciones)|"
    r"esque[çc]a (suas|as|todas as) (regras|instru[çc][õo]es)|lupakan (aturan|instruksi|semua)|"
    r"free (discount|coupon) code|give me (a )?(free|discount|coupon)|"
    r"ignor[ae] (todas )?(las|as) (instrucciones|instru[çc][õo]es|reglas|regras)|"
    r"(cupom|cup[óo]n|coupon|kupon|voucher|code|c[óo]digo) (de |of |sebesar )?(100|[5-9]\d) ?%|abaikan (semua )?instruksi|忽略(之前|以上|所有)的?(指令|指示)|"
    r"系统提示|تجاهل (كل )?التعليمات",
    re.IGNORECASE,
)
_ANGER = re.compile(
    r"\b(furious|angry|pissed|ridiculous|unacceptable|outrageous|scam|scammers|fraud|worst|terrible service|"
    r"useless|incompetent|disgusting|wtf|fuck\w*|shit\w*|damn|hate you|sue you|lawyer)\b|"
    r"furioso|furiosa|enojad|estafa|inaceptable|ridículo|vergonzoso|absurdo|golpe|palhaçada|inaceitável|"
    r"marah|kecewa berat|penipu|parah banget|"
    r"气死|垃圾|骗子|投诉|太差|愤怒|"
    r"غاضب|نصب|احتيال|سيء جدا|مهزلة|غير مقبول",
    re.IGNORECASE,
)
_HUMAN = re.compile(
    r"(real|actual|live) (person|human|agent)|(talk|speak|chat|connect|transfer|put).{0,25}\b(human|person|agent)\b|"
    r"^\W*(an? )?(human|agent|person|operator|representative|someone real)( please)?\W*$|human please|talk to (a|an|some)(one|body| person| agent)|"
    r"speak (to|with) (a|an|some)(one|body| person| agent| manager| representative)|customer service agent|"
    r"\b(representative|supervisor|manager)\b|connect me|"
    r"persona real|hablar con (una persona|un agente|alguien|un humano)|agente humano|pásame con|"
    r"falar com (uma pessoa|um atendente|alguém|um humano)|atendente humano|pessoa real|"
    r"(tratar|falar|resolver)( (disto|isto|isso|disso))? com (um|uma) (funcionári[oa]|colaborador[a]?|pessoa)|"
    r"n[ãa]o com o (assistente|bot|rob[ôo])|no con (el|un) (asistente|bot|robot)|not (with|to) (the|a|an) (bot|assistant)|"
    r"(em vez|ao inv[ée]s) d[oa] (rob[ôo]|bot|assistente)|(en vez|en lugar) del? (robot|bot|asistente)|"
    r"instead of (the |a |an )?(bot|robot|assistant|ai)\b|atendid[oa] por (algu[ée]m|uma pessoa|um humano)|"
    r"bukan (dengan )?(bot|robot)|不要机器人|不想和机器人|بدلا من (الروبوت|البوت|المساعد)|بدلاً من (الروبوت|البوت|المساعد)|"
    r"(bicara|ngobrol|hubungkan) (dengan|ke) (cs|manusia|orang|agen|petugas)|manusia asli|"
    r"转人工|人工客服|真人|找客服|人工服务|"
    r"(التحدث|أتحدث|اتحدث|تحدث|أكلم|اكلم) (مع|إلى|الى)? ?(موظف|شخص|إنسان|انسان|خدمة العملاء)|موظف حقيقي|شخص حقيقي|"
    r"(حو+لني|حوّلني|وصلني|وصّلني|اربطني).{0,20}(موظف|شخص|أحد|احد|فريق|الدعم|خدمة العملاء)",
    re.IGNORECASE,
)
# "when is customer service open?": asking about the hours, not for a person now
_HOURS_Q = re.compile(r"\bhours\b|what time|opening|horario|horário|jam (berapa|buka|kerja|operasional)|几点|时间|"
                      r"ساعات|أوقات|اوقات|متى (يفتح|تفتح|تعمل|يعمل)", re.IGNORECASE)
_CLAIM = re.compile(
    r"compens|refund|money back|reimburse|replace(ment)?|claim|"
    r"compensaci|indemniz|reembols|devuelvan (mi|el) dinero|indeniza|ressarc|"
    r"ganti rugi|kompensasi|uang kembali|pengembalian dana|"
    r"赔偿|退款|补偿|索赔|تعويض|استرداد|استرجاع المبلغ",
    re.IGNORECASE,
)
_DAMAGE = re.compile(
    r"\b(damaged|broken|broke|cracked|smashed|shattered|dented|crushed|torn|defective|scratched|leaking|"
    r"snapped|fell apart|came apart)\b|se rompi[óo]|\bquebrou|\bpatah|\bputus|断了|انكسر|"
    r"\bamassad|\briscad|\babollad|\brayad|\bpenyok|\btergores|\bbocor|凹|划痕|漏|مخدوش|مثقوب|"
    r"stopped working|doesn'?t work|does not work|not working|won'?t (turn on|charge)|dead on arrival|"
    r"no funciona|dej[óo] de funcionar|n[ãa]o funciona|parou de funcionar|tidak berfungsi|mati total|"
    r"不能用|坏掉|不工作|لا يعمل|توقف عن العمل|"
    r"\bdañad|\brot[oa]s?\b|\brompi(?!\w)|\brompió|\bdefectuos|\bquebrad|\bdanificad|\bdefeito|\brasgad|"
    r"\brusak|\bpecah|\bcacat|\brobek|"
    r"坏了|破了|碎了|损坏|裂了|有缺陷|"
    r"تالف|مكسور|معيب|ممزق",
    re.IGNORECASE,
)
_LOSS = re.compile(
    r"\blost\b|never (arrived|came)|didn'?t (arrive|get)|not (arrived|received)|hasn'?t arrived|missing (parcel|package)|"
    r"perdid|no (me )?ha llegado|nunca lleg|extraviad|não cheg|nunca cheg|hilang|belum sampai|tidak sampai|"
    r"丢了|丢失|没收到|还没到|ضاع|مفقود|لم يصل",
    re.IGNORECASE,
)
_SEE = re.compile(
    r"\b(see|look at|show me|view|check)\b.{0,60}\b(video|live|camera|call|in person|up close|closer|before)|"
    r"\bvideo (call|consult\w*|chat)|on (a )?(live )?video|"
    r"videollamada|ver (el|la|los|las)? ?.{0,40}(en vivo|por video|en video)|chamada de vídeo|ver .{0,40}(ao vivo|por vídeo)|"
    r"video call|lihat .{0,40}(video|langsung)|视频|看看实物|直播看|فيديو|مكالمة مرئية",
    re.IGNORECASE,
)


def is_injection(text: str) -> bool:
    return bool(_INJECTION.search(text[:4000]))


def is_angry(text: str) -> bool:
    clip = text[:4000]
    if _ANGER.search(clip):
        return True
    letters = [c for c in clip if c.isalpha() and c.isascii()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8
    return shouting and clip.count("!") >= 2


def wants_human(text: str) -> bool:
    clip = text[:4000]
    return bool(_HUMAN.search(clip)) and not _HOURS_Q.search(clip)


def damage_claim(text: str) -> tuple[bool, bool, bool]:
    """(physically damaged, lost / never arrived, asks for compensation)."""
    clip = text[:4000]
    return bool(_DAMAGE.search(clip)), bool(_LOSS.search(clip)), bool(_CLAIM.search(clip))


def wants_to_see(text: str) -> bool:
    return bool(_SEE.search(text[:4000]))


_CUSTOMS_HOLD = re.compile(
    r"\b(stuck|held|holding|hold|retained|seized|detained)\b.{0,30}\bcustoms\b|\bcustoms\b.{0,20}\b(hold|holding|held)\b|"
    r"(retenid|detenid|parad)[oa].{0,20}aduana|aduana.{0,20}(retiene|retuvo|retenid)|"
    r"(retid|pres|parad)[oa].{0,20}alfândega|alfândega.{0,20}(ret[eé]m|reteve|retid)|"
    r"(ditahan|tertahan|nyangkut|tertahan di).{0,20}bea ?cukai|bea ?cukai.{0,20}(menahan|ditahan|tahan)|"
    r"海关.{0,6}(扣|卡|滞留)|(扣|卡|滞留).{0,6}海关|(محتجز|محجوز|عالق).{0,20}الجمارك|الجمارك.{0,20}(احتجزت|تحتجز)",
    re.IGNORECASE,
)


def customs_hold(text: str) -> bool:
    """The shopper says a parcel is held by customs (no order number needed to answer the policy)."""
    return bool(_CUSTOMS_HOLD.search(text[:4000]))
