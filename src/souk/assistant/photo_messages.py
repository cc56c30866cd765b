"""What the assistant says about a shopper's photo, in the six languages of the assistant. Wording only: the
products, prices and the photo's description come from the merchant's catalogue and the vision model."""

from __future__ import annotations

from typing import Any

from souk.assistant.lang import SUPPORTED

PHOTO: dict[str, dict[str, str]] = {
    # no vision provider configured on this server: say so, ask for words
    "needs_provider": {
        "en": "I can't look at photos here: photo search needs an image-recognition service that this shop "
              "hasn't set up. Tell me what it is (the kind of item, its colour, material or style) and I'll "
              "find the closest products.",
        "es": "Aquí no puedo ver fotos: la búsqueda por foto necesita un servicio de reconocimiento de imágenes "
              "que esta tienda no ha configurado. Dígame qué es (el tipo de artículo, su color, material o "
              "estilo) y le busco los productos más parecidos.",
        "pt": "Aqui não consigo ver fotos: a busca por foto precisa de um serviço de reconhecimento de imagens "
              "que esta loja não configurou. Diga-me o que é (o tipo de item, a cor, o material ou o estilo) "
              "e eu encontro os produtos mais parecidos.",
        "id": "Saya belum bisa melihat foto di sini: pencarian lewat foto memerlukan layanan pengenalan gambar "
              "yang belum diatur oleh toko ini. Ceritakan barangnya (jenis, warna, bahan, atau gayanya) dan "
              "saya carikan produk yang paling mirip.",
        "zh": "这里暂时无法识别照片：拍照找同款需要一个图像识别服务，而本店尚未配置。请告诉我它是什么"
              "（品类、颜色、材质或风格），我来帮您找最相近的商品。",
        "ar": "لا يمكنني رؤية الصور هنا: البحث بالصور يحتاج إلى خدمة للتعرّف على الصور لم يقم هذا المتجر "
              "بإعدادها. أخبرني ما هو (نوع المنتج أو لونه أو خامته أو طرازه) وسأجد لك أقرب المنتجات.",
    },
    "found": {
        "en": "Here is what looks closest to your photo ({seen}): {items}.",
        "es": "Esto es lo más parecido a su foto ({seen}): {items}.",
        "pt": "Isto é o mais parecido com a sua foto ({seen}): {items}.",
        "id": "Ini yang paling mirip dengan foto Anda ({seen}): {items}.",
        "zh": "与您的照片（{seen}）最相近的商品：{items}。",
        "ar": "هذا أقرب ما لدينا إلى صورتك ({seen}): {items}.",
    },
    "nothing_close": {
        "en": "I looked at your photo ({seen}) but found nothing like it in our catalogue. Could you tell me "
              "more about what you're looking for?",
        "es": "Miré su foto ({seen}) pero no encontré nada parecido en nuestro catálogo. ¿Me cuenta un poco "
              "más de lo que busca?",
        "pt": "Olhei a sua foto ({seen}), mas não encontrei nada parecido no nosso catálogo. Pode me contar "
              "mais sobre o que procura?",
        "id": "Saya sudah melihat foto Anda ({seen}), tetapi tidak menemukan yang mirip di katalog kami. "
              "Bisa ceritakan lebih lanjut apa yang Anda cari?",
        "zh": "我看了您的照片（{seen}），但在我们的商品中没有找到相似的。能再描述一下您想找的东西吗？",
        "ar": "نظرت إلى صورتك ({seen}) لكنني لم أجد شيئًا مشابهًا في منتجاتنا. هل يمكنك أن تخبرني "
              "المزيد عمّا تبحث عنه؟",
    },
    "no_product": {
        "en": "I couldn't make out an item in that photo. Could you send a clearer picture of it, or describe "
              "it in words?",
        "es": "No pude distinguir ningún artículo en esa foto. ¿Puede enviar una foto más clara o "
              "describirlo con palabras?",
        "pt": "Não consegui identificar nenhum item nessa foto. Pode enviar uma foto mais nítida ou "
              "descrevê-lo em palavras?",
        "id": "Saya tidak bisa mengenali barang di foto itu. Bisa kirim foto yang lebih jelas, atau "
              "jelaskan dengan kata-kata?",
        "zh": "这张照片里我认不出商品。能发一张更清晰的照片，或者用文字描述一下吗？",
        "ar": "لم أتمكن من تمييز أي منتج في تلك الصورة. هل يمكنك إرسال صورة أوضح أو وصفه بالكلمات؟",
    },
    "timeout": {
        "en": "Looking at your photo took too long. Please try again in a moment, or tell me in words what "
              "you're looking for.",
        "es": "Revisar su foto tardó demasiado. Inténtelo de nuevo en un momento o dígame con palabras qué "
              "busca.",
        "pt": "Analisar a sua foto demorou demais. Tente de novo daqui a pouco ou diga em palavras o que "
              "procura.",
        "id": "Melihat foto Anda terlalu lama. Silakan coba lagi sebentar lagi, atau sebutkan dengan "
              "kata-kata apa yang Anda cari.",
        "zh": "识别您的照片用时过长。请稍后再试，或用文字告诉我您想找什么。",
        "ar": "استغرق فحص صورتك وقتًا طويلًا. حاول مرة أخرى بعد قليل، أو أخبرني بالكلمات عمّا تبحث عنه.",
    },
    "failed": {
        "en": "I couldn't look at your photo just now. Please try again later, or tell me in words what "
              "you're looking for.",
        "es": "Ahora mismo no pude revisar su foto. Inténtelo más tarde o dígame con palabras qué busca.",
        "pt": "Não consegui analisar a sua foto agora. Tente mais tarde ou diga em palavras o que procura.",
        "id": "Saat ini saya tidak bisa melihat foto Anda. Silakan coba lagi nanti, atau sebutkan dengan "
              "kata-kata apa yang Anda cari.",
        "zh": "现在无法识别您的照片。请稍后再试，或用文字告诉我您想找什么。",
        "ar": "لم أتمكن من فحص صورتك الآن. حاول لاحقًا، أو أخبرني بالكلمات عمّا تبحث عنه.",
    },
    # the shopper's turn as the conversation's transcript shows it (the desk timeline, the hand-off packet)
    "shopper_turn": {
        "en": "[photo] {seen}", "es": "[foto] {seen}", "pt": "[foto] {seen}", "id": "[foto] {seen}",
        "zh": "[照片] {seen}", "ar": "[صورة] {seen}",
    },
}


def say_photo(key: str, lang: str, **values: Any) -> str:
    table = PHOTO[key]
    return table.get(lang if lang in SUPPORTED else "en", table["en"]).format(**values)
