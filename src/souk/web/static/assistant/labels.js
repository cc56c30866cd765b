// The assistant widget's wording in every language it speaks (en, es, pt, id, zh, ar), and the small pure
// helpers that fill it in: what the desk tells the shopper after "Talk to a person" (never a promise of a
// person who is not there), the CSAT form, the e-mail offer, a ringing video call.
//   label(lang, "queued", { n: 2, wait: "3 minutes" })      fill {placeholders}
//   noticeText(lang, notice, now)                            the desk's notice in the shopper's language

export const LABELS = {
  en: {
    title: "Shopping assistant", placeholder: "Ask about orders, shipping, returns…", send: "Send",
    person: "Talk to a person", voice: "Voice", stop: "Stop voice", video: "Setting up a video consultation…",
    ask_person: "I want to talk to a real person",
    human_pending: "Checking who from our team is available…",
    no_answer: "We could not reach our team just now. The assistant keeps helping you.",
    assigned: "{name} from our team has joined the conversation.",
    assigned_anon: "A person from our team has joined the conversation.",
    queued: "You are number {n} in line. Expected wait: about {wait}.",
    queued_nowait: "You are number {n} in line. A person will answer as soon as one is free.",
    after_hours: "Our team is back on {day} at {time}. Until then the assistant keeps helping you.",
    after_hours_today: "Our team is back today at {time}. Until then the assistant keeps helping you.",
    nobody_online: "No one from our team is online right now. Your request waits in line and the assistant keeps helping you meanwhile.",
    back_to_ai: "You are back with the assistant.",
    closed: "The conversation with our team was closed.",
    email_prompt: "Prefer an e-mail? Leave your address and our team will write to you.",
    email_placeholder: "you@example.com", email_send: "Send",
    email_thanks: "Thank you. Our team will write to {email}.", email_bad: "Please enter a valid e-mail address.",
    team: "Support team", status_ai: "Assistant", status_queued: "Waiting for a person", status_assigned: "With {name}",
    csat_ask: "How did we do? Rate this conversation.", csat_comment: "Anything to add? (optional)",
    csat_send: "Send rating", csat_thanks: "Thank you for your feedback!", csat_star: "{n} of 5",
    call_ring: "{name} invites you to a video call.", call_ring_anon: "Our team invites you to a video call.",
    call_accept: "Accept", call_decline: "Decline", call_declined: "You declined the video call.",
    call_joining: "Joining the video call…", call_unavailable: "Video calls are not available on this page.",
    call_ended: "The video call ended.",
    photo: "📷", photo_title: "Send a photo to find similar products", photo_sent: "[photo]",
    photo_looking: "Looking at your photo…", photo_type: "Please send a JPEG, PNG or WebP photo.",
    photo_size: "That photo is too large: at most {mb} MB.", photo_dims: "That photo has too many pixels; please send a smaller one.",
    photo_bad: "That file could not be read as a photo.",
    photo_person: "A person has this conversation: please describe the item in words.",
    photo_busy: "Too many messages at once; please wait a moment.", photo_failed: "The photo could not be sent. Please try again.",
  },
  es: {
    title: "Asistente de compras", placeholder: "Pregunte por pedidos, envíos, devoluciones…", send: "Enviar",
    person: "Hablar con una persona", voice: "Voz", stop: "Detener voz", video: "Preparando la videollamada…",
    ask_person: "Quiero hablar con una persona real",
    human_pending: "Comprobando quién de nuestro equipo está disponible…",
    no_answer: "No hemos podido contactar con nuestro equipo ahora. El asistente sigue ayudándole.",
    assigned: "{name}, de nuestro equipo, se ha unido a la conversación.",
    assigned_anon: "Una persona de nuestro equipo se ha unido a la conversación.",
    queued: "Es el número {n} en la cola. Espera estimada: unos {wait}.",
    queued_nowait: "Es el número {n} en la cola. Le atenderá una persona en cuanto quede libre.",
    after_hours: "Nuestro equipo vuelve el {day} a las {time}. Mientras tanto, el asistente sigue ayudándole.",
    after_hours_today: "Nuestro equipo vuelve hoy a las {time}. Mientras tanto, el asistente sigue ayudándole.",
    nobody_online: "Ahora mismo no hay nadie de nuestro equipo conectado. Su solicitud espera en la cola y el asistente sigue ayudándole mientras tanto.",
    back_to_ai: "Vuelve a hablar con el asistente.",
    closed: "La conversación con nuestro equipo se ha cerrado.",
    email_prompt: "¿Prefiere un correo? Deje su dirección y nuestro equipo le escribirá.",
    email_placeholder: "usted@ejemplo.com", email_send: "Enviar",
    email_thanks: "Gracias. Nuestro equipo le escribirá a {email}.",
    email_bad: "Introduzca una dirección de correo válida.",
    team: "Equipo de atención", status_ai: "Asistente", status_queued: "Esperando a una persona",
    status_assigned: "Con {name}",
    csat_ask: "¿Qué tal le hemos atendido? Valore esta conversación.", csat_comment: "¿Algo más? (opcional)",
    csat_send: "Enviar valoración", csat_thanks: "¡Gracias por su opinión!", csat_star: "{n} de 5",
    call_ring: "{name} le invita a una videollamada.", call_ring_anon: "Nuestro equipo le invita a una videollamada.",
    call_accept: "Aceptar", call_decline: "Rechazar", call_declined: "Ha rechazado la videollamada.",
    call_joining: "Entrando en la videollamada…", call_unavailable: "Las videollamadas no están disponibles en esta página.",
    call_ended: "La videollamada ha terminado.",
    photo: "📷", photo_title: "Envíe una foto para encontrar productos parecidos", photo_sent: "[foto]",
    photo_looking: "Mirando su foto…", photo_type: "Envíe una foto JPEG, PNG o WebP.",
    photo_size: "La foto es demasiado grande: como máximo {mb} MB.", photo_dims: "La foto tiene demasiados píxeles; envíe una más pequeña.",
    photo_bad: "No se pudo leer el archivo como foto.",
    photo_person: "Una persona atiende esta conversación: describa el artículo con palabras.",
    photo_busy: "Demasiados mensajes seguidos; espere un momento.", photo_failed: "No se pudo enviar la foto. Inténtelo de nuevo.",
  },
  pt: {
    title: "Assistente de compras", placeholder: "Pergunte sobre pedidos, envio, devoluções…", send: "Enviar",
    person: "Falar com uma pessoa", voice: "Voz", stop: "Parar voz", video: "Preparando a chamada de vídeo…",
    ask_person: "Quero falar com uma pessoa real",
    human_pending: "Verificando quem da nossa equipe está disponível…",
    no_answer: "Não conseguimos falar com a nossa equipe agora. O assistente continua ajudando você.",
    assigned: "{name}, da nossa equipe, entrou na conversa.",
    assigned_anon: "Uma pessoa da nossa equipe entrou na conversa.",
    queued: "Você é o número {n} na fila. Espera estimada: cerca de {wait}.",
    queued_nowait: "Você é o número {n} na fila. Uma pessoa vai atender assim que estiver livre.",
    after_hours: "Nossa equipe volta {day} às {time}. Até lá, o assistente continua ajudando você.",
    after_hours_today: "Nossa equipe volta hoje às {time}. Até lá, o assistente continua ajudando você.",
    nobody_online: "Ninguém da nossa equipe está online agora. Seu pedido aguarda na fila e o assistente continua ajudando você enquanto isso.",
    back_to_ai: "Você voltou a falar com o assistente.",
    closed: "A conversa com a nossa equipe foi encerrada.",
    email_prompt: "Prefere um e-mail? Deixe seu endereço e nossa equipe vai escrever para você.",
    email_placeholder: "voce@exemplo.com", email_send: "Enviar",
    email_thanks: "Obrigado. Nossa equipe vai escrever para {email}.",
    email_bad: "Digite um endereço de e-mail válido.",
    team: "Equipe de atendimento", status_ai: "Assistente", status_queued: "Aguardando uma pessoa",
    status_assigned: "Com {name}",
    csat_ask: "Como foi o atendimento? Avalie esta conversa.", csat_comment: "Algo a acrescentar? (opcional)",
    csat_send: "Enviar avaliação", csat_thanks: "Obrigado pela sua opinião!", csat_star: "{n} de 5",
    call_ring: "{name} convida você para uma chamada de vídeo.",
    call_ring_anon: "Nossa equipe convida você para uma chamada de vídeo.",
    call_accept: "Aceitar", call_decline: "Recusar", call_declined: "Você recusou a chamada de vídeo.",
    call_joining: "Entrando na chamada de vídeo…", call_unavailable: "Chamadas de vídeo não estão disponíveis nesta página.",
    call_ended: "A chamada de vídeo terminou.",
    photo: "📷", photo_title: "Envie uma foto para encontrar produtos parecidos", photo_sent: "[foto]",
    photo_looking: "Olhando a sua foto…", photo_type: "Envie uma foto JPEG, PNG ou WebP.",
    photo_size: "A foto é grande demais: no máximo {mb} MB.", photo_dims: "A foto tem pixels demais; envie uma menor.",
    photo_bad: "Não foi possível ler o arquivo como foto.",
    photo_person: "Uma pessoa está nesta conversa: descreva o item em palavras.",
    photo_busy: "Muitas mensagens de uma vez; aguarde um momento.", photo_failed: "Não foi possível enviar a foto. Tente de novo.",
  },
  id: {
    title: "Asisten belanja", placeholder: "Tanya pesanan, pengiriman, retur…", send: "Kirim",
    person: "Bicara dengan CS", voice: "Suara", stop: "Hentikan suara", video: "Menyiapkan video call…",
    ask_person: "Saya mau bicara dengan CS manusia",
    human_pending: "Memeriksa siapa dari tim kami yang tersedia…",
    no_answer: "Kami belum dapat menghubungi tim kami saat ini. Asisten tetap membantu Anda.",
    assigned: "{name} dari tim kami telah bergabung dalam percakapan.",
    assigned_anon: "Seseorang dari tim kami telah bergabung dalam percakapan.",
    queued: "Anda di antrean nomor {n}. Perkiraan waktu tunggu: sekitar {wait}.",
    queued_nowait: "Anda di antrean nomor {n}. CS akan menjawab begitu ada yang kosong.",
    after_hours: "Tim kami kembali hari {day} pukul {time}. Sampai saat itu asisten tetap membantu Anda.",
    after_hours_today: "Tim kami kembali hari ini pukul {time}. Sampai saat itu asisten tetap membantu Anda.",
    nobody_online: "Saat ini tidak ada tim kami yang online. Permintaan Anda menunggu di antrean dan asisten tetap membantu Anda sementara itu.",
    back_to_ai: "Anda kembali berbicara dengan asisten.",
    closed: "Percakapan dengan tim kami telah ditutup.",
    email_prompt: "Lebih suka e-mail? Tinggalkan alamat Anda dan tim kami akan menulis kepada Anda.",
    email_placeholder: "anda@contoh.com", email_send: "Kirim",
    email_thanks: "Terima kasih. Tim kami akan menulis ke {email}.",
    email_bad: "Masukkan alamat e-mail yang valid.",
    team: "Tim CS", status_ai: "Asisten", status_queued: "Menunggu CS", status_assigned: "Bersama {name}",
    csat_ask: "Bagaimana layanan kami? Beri nilai percakapan ini.", csat_comment: "Ada tambahan? (opsional)",
    csat_send: "Kirim penilaian", csat_thanks: "Terima kasih atas masukan Anda!", csat_star: "{n} dari 5",
    call_ring: "{name} mengajak Anda video call.", call_ring_anon: "Tim kami mengajak Anda video call.",
    call_accept: "Terima", call_decline: "Tolak", call_declined: "Anda menolak video call.",
    call_joining: "Masuk ke video call…", call_unavailable: "Video call tidak tersedia di halaman ini.",
    call_ended: "Video call telah berakhir.",
    photo: "📷", photo_title: "Kirim foto untuk mencari produk yang mirip", photo_sent: "[foto]",
    photo_looking: "Sedang melihat foto Anda…", photo_type: "Kirim foto berformat JPEG, PNG, atau WebP.",
    photo_size: "Foto terlalu besar: maksimal {mb} MB.", photo_dims: "Piksel foto terlalu banyak; kirim foto yang lebih kecil.",
    photo_bad: "Berkas tidak bisa dibaca sebagai foto.",
    photo_person: "Percakapan ini sedang ditangani petugas: jelaskan barangnya dengan kata-kata.",
    photo_busy: "Terlalu banyak pesan sekaligus; tunggu sebentar.", photo_failed: "Foto tidak dapat dikirim. Silakan coba lagi.",
  },
  zh: {
    title: "购物助手", placeholder: "咨询订单、配送、退货…", send: "发送", person: "转人工", voice: "语音",
    stop: "结束语音", video: "正在安排视频咨询…", ask_person: "转人工",
    human_pending: "正在查看哪位客服有空…",
    no_answer: "暂时无法联系到我们的客服，购物助手会继续为您服务。",
    assigned: "客服{name}已加入对话。", assigned_anon: "一位客服已加入对话。",
    queued: "您在队列中排第{n}位，预计等待约{wait}。",
    queued_nowait: "您在队列中排第{n}位，客服空闲后会立即为您服务。",
    after_hours: "我们的客服将于{day} {time}回来，在此之前购物助手会继续为您服务。",
    after_hours_today: "我们的客服将于今天 {time}回来，在此之前购物助手会继续为您服务。",
    nobody_online: "目前没有客服在线。您的请求正在排队，购物助手会继续为您服务。",
    back_to_ai: "您已回到购物助手。",
    closed: "与客服的对话已结束。",
    email_prompt: "更希望通过邮件联系？留下您的邮箱，客服会给您写信。",
    email_placeholder: "you@example.com", email_send: "发送",
    email_thanks: "谢谢，客服会发邮件到 {email}。", email_bad: "请输入有效的邮箱地址。",
    team: "客服团队", status_ai: "购物助手", status_queued: "正在等待客服", status_assigned: "客服：{name}",
    csat_ask: "您对本次服务满意吗？请为这次对话评分。", csat_comment: "还有什么想说的吗？（可选）",
    csat_send: "提交评分", csat_thanks: "感谢您的反馈！", csat_star: "{n} 分（满分 5 分）",
    call_ring: "{name}邀请您进行视频通话。", call_ring_anon: "客服邀请您进行视频通话。",
    call_accept: "接听", call_decline: "拒绝", call_declined: "您拒绝了视频通话。",
    call_joining: "正在进入视频通话…", call_unavailable: "此页面不支持视频通话。",
    call_ended: "视频通话已结束。",
    photo: "📷", photo_title: "发送照片，查找相似商品", photo_sent: "[照片]",
    photo_looking: "正在识别您的照片…", photo_type: "请发送 JPEG、PNG 或 WebP 格式的照片。",
    photo_size: "照片太大：最多 {mb} MB。", photo_dims: "照片像素过多，请发送小一些的照片。",
    photo_bad: "无法将该文件读取为照片。",
    photo_person: "目前由人工客服接待：请用文字描述商品。",
    photo_busy: "消息发送过于频繁，请稍候。", photo_failed: "照片发送失败，请重试。",
  },
  ar: {
    title: "مساعد التسوق", placeholder: "اسأل عن الطلبات والشحن والإرجاع…", send: "إرسال",
    person: "التحدث مع موظف", voice: "صوت", stop: "إيقاف الصوت", video: "جارٍ تجهيز مكالمة الفيديو…",
    ask_person: "أريد التحدث مع موظف",
    human_pending: "نتحقق من المتاح من فريقنا…",
    no_answer: "تعذّر الوصول إلى فريقنا الآن. يواصل المساعد مساعدتك.",
    assigned: "انضم {name} من فريقنا إلى المحادثة.", assigned_anon: "انضم أحد أعضاء فريقنا إلى المحادثة.",
    queued: "ترتيبك {n} في قائمة الانتظار. مدة الانتظار المتوقعة: نحو {wait}.",
    queued_nowait: "ترتيبك {n} في قائمة الانتظار. سيرد عليك أحد الموظفين فور أن يتفرغ.",
    after_hours: "يعود فريقنا يوم {day} الساعة {time}. حتى ذلك الحين يواصل المساعد مساعدتك.",
    after_hours_today: "يعود فريقنا اليوم الساعة {time}. حتى ذلك الحين يواصل المساعد مساعدتك.",
    nobody_online: "لا يوجد أحد من فريقنا متصلًا الآن. طلبك في قائمة الانتظار ويواصل المساعد مساعدتك في الأثناء.",
    back_to_ai: "عدت إلى المساعد.",
    closed: "أُغلقت المحادثة مع فريقنا.",
    email_prompt: "تفضّل البريد الإلكتروني؟ اترك عنوانك وسيراسلك فريقنا.",
    email_placeholder: "you@example.com", email_send: "إرسال",
    email_thanks: "شكرًا لك. سيراسلك فريقنا على {email}.", email_bad: "يرجى إدخال بريد إلكتروني صالح.",
    team: "فريق الدعم", status_ai: "المساعد", status_queued: "في انتظار موظف", status_assigned: "مع {name}",
    csat_ask: "كيف كانت خدمتنا؟ قيّم هذه المحادثة.", csat_comment: "هل تود إضافة شيء؟ (اختياري)",
    csat_send: "إرسال التقييم", csat_thanks: "شكرًا على رأيك!", csat_star: "{n} من 5",
    call_ring: "يدعوك {name} إلى مكالمة فيديو.", call_ring_anon: "يدعوك فريقنا إلى مكالمة فيديو.",
    call_accept: "قبول", call_decline: "رفض", call_declined: "رفضت مكالمة الفيديو.",
    call_joining: "جارٍ الانضمام إلى مكالمة الفيديو…", call_unavailable: "مكالمات الفيديو غير متاحة في هذه الصفحة.",
    call_ended: "انتهت مكالمة الفيديو.",
    photo: "📷", photo_title: "أرسل صورة للعثور على منتجات مشابهة", photo_sent: "[صورة]",
    photo_looking: "جارٍ فحص صورتك…", photo_type: "يرجى إرسال صورة بصيغة JPEG أو PNG أو WebP.",
    photo_size: "الصورة كبيرة جدًا: الحد الأقصى {mb} ميغابايت.", photo_dims: "عدد بكسلات الصورة كبير جدًا؛ أرسل صورة أصغر.",
    photo_bad: "تعذّرت قراءة الملف كصورة.",
    photo_person: "يتولى أحد أفراد فريقنا هذه المحادثة: يرجى وصف المنتج بالكلمات.",
    photo_busy: "رسائل كثيرة في وقت واحد؛ يرجى الانتظار قليلًا.", photo_failed: "تعذّر إرسال الصورة. حاول مرة أخرى.",
  },
};

export const RTL = new Set(["ar"]);

export function label(lang, key, values = {}) {
  const table = LABELS[lang] || LABELS.en;
  const text = table[key] ?? LABELS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

// "about 3 minutes" in the shopper's language (Intl does the plural and the script).
export function waitText(lang, waitS) {
  const minutes = Math.max(1, Math.ceil(Number(waitS) / 60));
  try {
    return new Intl.NumberFormat(lang, { style: "unit", unit: "minute", unitDisplay: "long" }).format(minutes);
  } catch { return `${minutes} min`; }
}

// When support hours open, in the shopper's own time zone: {today, day: "Monday", time: "09:00"}.
export function whenParts(lang, iso, now = new Date()) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const fmt = (opts) => { try { return new Intl.DateTimeFormat(lang, opts).format(at); } catch { return at.toLocaleString(); } };
  return { today: at.toDateString() === now.toDateString(), day: fmt({ weekday: "long" }),
           time: fmt({ hour: "2-digit", minute: "2-digit" }) };
}

// The desk's notice (desk-spec: kind, position, wait_s, opens_at, agent_name, email_offer) as one sentence.
export function noticeText(lang, notice, now = new Date()) {
  if (!notice || !notice.kind) return label(lang, "no_answer");
  const n = Number(notice.position || 0) + 1; // position counts those ahead
  switch (notice.kind) {
    case "assigned":
      return notice.agent_name ? label(lang, "assigned", { name: notice.agent_name }) : label(lang, "assigned_anon");
    case "queued":
      return notice.wait_s === null || notice.wait_s === undefined
        ? label(lang, "queued_nowait", { n }) : label(lang, "queued", { n, wait: waitText(lang, notice.wait_s) });
    case "after_hours": {
      const when = notice.opens_at ? whenParts(lang, notice.opens_at, now) : null;
      if (!when) return label(lang, "nobody_online");
      return label(lang, when.today ? "after_hours_today" : "after_hours", when);
    }
    case "nobody_online":
      return label(lang, "nobody_online");
    default:
      return label(lang, "no_answer");
  }
}

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
