"""What the shopper is told after the desk answered a hand-off, in en, es, pt, id, zh and ar.

One table of data like ``messages.py``: every sentence of a notice in six languages, side by side, so a
translator checks a language's wording in one place. No sentence promises a person who is not there: the
desk's ``HandoffNotice`` decides which of them is said, ``assistant.handoff_notice`` fills them in.
"""

from __future__ import annotations

from typing import Any

N: dict[str, dict[str, str]] = {
    # a person has the conversation now
    "assigned": {
        "en": "{name} from our team has joined and can see this conversation, so you won't need to repeat anything.",
        "es": "{name}, de nuestro equipo, se ha unido a la conversación y puede ver todo lo que hablamos, así que no tendrá que repetir nada.",
        "pt": "{name}, da nossa equipe, entrou na conversa e pode ver tudo o que falamos, então você não precisa repetir nada.",
        "id": "{name} dari tim kami sudah bergabung dan bisa melihat percakapan ini, jadi Anda tidak perlu mengulang.",
        "zh": "我们团队的{name}已加入,可以看到本次对话的全部内容,您无需重复说明。",
        "ar": "انضم {name} من فريقنا إلى المحادثة ويمكنه رؤية هذه المحادثة، فلن تحتاج إلى التكرار.",
    },
    "assigned_anonymous": {
        "en": "A member of our team has joined and can see this conversation, so you won't need to repeat anything.",
        "es": "Una persona de nuestro equipo se ha unido a la conversación y puede ver todo lo que hablamos, así que no tendrá que repetir nada.",
        "pt": "Uma pessoa da nossa equipe entrou na conversa e pode ver tudo o que falamos, então você não precisa repetir nada.",
        "id": "Salah satu tim kami sudah bergabung dan bisa melihat percakapan ini, jadi Anda tidak perlu mengulang.",
        "zh": "我们团队的一位客服已加入,可以看到本次对话的全部内容,您无需重复说明。",
        "ar": "انضم أحد أعضاء فريقنا إلى المحادثة ويمكنه رؤية هذه المحادثة، فلن تحتاج إلى التكرار.",
    },
    # someone online will take it
    "queued": {
        "en": "You are number {place} in the queue for a person from our team.",
        "es": "Usted es el número {place} en la fila para hablar con una persona de nuestro equipo.",
        "pt": "Você é o número {place} na fila para falar com uma pessoa da nossa equipe.",
        "id": "Anda berada di urutan ke-{place} dalam antrean untuk berbicara dengan tim kami.",
        "zh": "您目前在人工客服队列中排第{place}位。",
        "ar": "ترتيبك في قائمة الانتظار للتحدث مع أحد أعضاء فريقنا: {place}.",
    },
    "queued_wait": {
        "en": " The expected wait is {wait}.",
        "es": " El tiempo de espera estimado es de {wait}.",
        "pt": " O tempo de espera previsto é de {wait}.",
        "id": " Perkiraan waktu tunggu {wait}.",
        "zh": "预计等待时间{wait}。",
        "ar": " مدة الانتظار المتوقعة {wait}.",
    },
    "queued_tail": {
        "en": " They will see this conversation, so you won't need to repeat anything, and I can keep helping you in the meantime.",
        "es": " Verá esta conversación, así que no tendrá que repetir nada, y mientras tanto yo le sigo ayudando.",
        "pt": " Essa pessoa verá esta conversa, então você não precisa repetir nada, e enquanto isso eu continuo ajudando você.",
        "id": " Tim kami akan melihat percakapan ini, jadi Anda tidak perlu mengulang, dan sementara itu saya tetap bisa membantu Anda.",
        "zh": "客服会看到本次对话,您无需重复说明;在此期间我会继续为您服务。",
        "ar": " سيرى هذه المحادثة فلن تحتاج إلى التكرار، وفي الأثناء سأواصل مساعدتك.",
    },
    # outside the merchant's support hours
    "after_hours": {
        "en": "Our support team is not available right now. A person from our team will answer {when}, and they will see this conversation. Until then I'll keep helping you.",
        "es": "Nuestro equipo de atención no está disponible en este momento. Una persona del equipo le responderá {when} y verá esta conversación. Mientras tanto, yo le sigo ayudando.",
        "pt": "A nossa equipe de atendimento não está disponível agora. Uma pessoa da equipe vai responder {when} e verá esta conversa. Enquanto isso, eu continuo ajudando você.",
        "id": "Tim layanan kami sedang tidak tersedia saat ini. Tim kami akan membalas {when} dan akan melihat percakapan ini. Sampai saat itu saya tetap membantu Anda.",
        "zh": "我们的人工客服目前不在服务时间内。客服将于{when}回复您,并会看到本次对话。在此之前,我会继续为您服务。",
        "ar": "فريق الدعم غير متاح الآن. سيرد عليك أحد أعضاء فريقنا {when} وسيرى هذه المحادثة. وحتى ذلك الحين سأواصل مساعدتك.",
    },
    # within hours, but nobody online
    "nobody_online": {
        "en": "Nobody from our team is online right now. Your conversation is waiting in the queue, and a person will answer as soon as one comes online; they will see this conversation. Until then I'll keep helping you.",
        "es": "En este momento no hay nadie del equipo en línea. Su conversación queda en la fila y una persona le responderá en cuanto se conecte; verá esta conversación. Mientras tanto, yo le sigo ayudando.",
        "pt": "No momento não há ninguém da equipe on-line. A sua conversa está na fila e uma pessoa vai responder assim que alguém entrar; ela verá esta conversa. Enquanto isso, eu continuo ajudando você.",
        "id": "Saat ini belum ada tim kami yang online. Percakapan Anda menunggu di antrean dan akan dibalas begitu ada petugas yang online; mereka akan melihat percakapan ini. Sementara itu saya tetap membantu Anda.",
        "zh": "目前没有人工客服在线。您的对话已进入排队,一旦有客服上线就会回复您,并会看到本次对话。在此之前,我会继续为您服务。",
        "ar": "لا يوجد أحد من فريقنا متصلا الآن. محادثتك في قائمة الانتظار وسيرد عليك أحد الموظفين فور اتصاله، وسيرى هذه المحادثة. وحتى ذلك الحين سأواصل مساعدتك.",
    },
    "hours": {
        "en": " Our team answers {hours}.",
        "es": " Nuestro equipo atiende {hours}.",
        "pt": " A nossa equipe atende {hours}.",
        "id": " Tim kami melayani {hours}.",
        "zh": "人工客服服务时间:{hours}。",
        "ar": " يعمل فريقنا {hours}.",
    },
    "email_offer": {
        "en": " If you prefer, leave your e-mail address and our team will write to you.",
        "es": " Si lo prefiere, déjenos su correo electrónico y el equipo le escribirá.",
        "pt": " Se preferir, deixe o seu e-mail e a nossa equipe vai escrever para você.",
        "id": " Jika Anda mau, tinggalkan alamat email Anda dan tim kami akan menghubungi Anda.",
        "zh": "如您愿意,可以留下电子邮箱,我们的团队会通过邮件联系您。",
        "ar": " إن أردت، اترك بريدك الإلكتروني وسيراسلك فريقنا.",
    },
    # waits
    "wait_under_minute": {
        "en": "less than a minute", "es": "menos de un minuto", "pt": "menos de um minuto",
        "id": "kurang dari satu menit", "zh": "不到1分钟", "ar": "أقل من دقيقة",
    },
    "wait_about": {
        "en": "about {span}", "es": "aproximadamente {span}", "pt": "cerca de {span}", "id": "sekitar {span}",
        "zh": "约{span}", "ar": "حوالي {span}",
    },
    # when the team is back: the day, then the time on the merchant's clock with its UTC offset
    "today": {"en": "today at {time}", "es": "hoy a las {time}", "pt": "hoje às {time}",
              "id": "hari ini pukul {time}", "zh": "今天{time}", "ar": "اليوم الساعة {time}"},
    "tomorrow": {"en": "tomorrow at {time}", "es": "mañana a las {time}", "pt": "amanhã às {time}",
                 "id": "besok pukul {time}", "zh": "明天{time}", "ar": "غدا الساعة {time}"},
    "on_day": {"en": "on {date} at {time}", "es": "el {date} a las {time}", "pt": "em {date} às {time}",
               "id": "pada {date} pukul {time}", "zh": "{date}{time}", "ar": "في {date} الساعة {time}"},
}

# (one, few, many) forms where a language has them: Arabic counts 1, 2, 3-10 and 11+ differently
UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "minute": {"en": ("1 minute", "{n} minutes"), "es": ("1 minuto", "{n} minutos"),
               "pt": ("1 minuto", "{n} minutos"), "id": ("{n} menit",), "zh": ("{n}分钟",),
               "ar": ("دقيقة واحدة", "دقيقتين", "{n} دقائق", "{n} دقيقة")},
    "hour": {"en": ("1 hour", "{n} hours"), "es": ("1 hora", "{n} horas"), "pt": ("1 hora", "{n} horas"),
             "id": ("{n} jam",), "zh": ("{n}小时",), "ar": ("ساعة واحدة", "ساعتين", "{n} ساعات", "{n} ساعة")},
}

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}


def say_notice(key: str, lang: str, **values: Any) -> str:
    table = N[key]
    return (table.get(lang) or table["en"]).format(**values)


def count(unit: str, n: int, lang: str) -> str:
    forms = UNITS[unit].get(lang) or UNITS[unit]["en"]
    if lang == "ar":
        form = forms[0] if n == 1 else forms[1] if n == 2 else forms[2] if 3 <= n <= 10 else forms[3]
    elif len(forms) == 1:
        form = forms[0]
    else:
        form = forms[0] if n == 1 else forms[1]
    return form.format(n=n)
