"""Intent examples (several languages each) and the keyword cues that back up the embedding router."""

from __future__ import annotations

import re

from souk.assistant.action_intents import ACTION_EXAMPLES

EXAMPLES: dict[str, tuple[str, ...]] = {
    "order_status": (
        "where is my order", "track my package", "any update on my order's status", "when will my order arrive",
        "which carrier is shipping it", "has my parcel shipped yet", "tracking number please",
        "¿por dónde va mi pedido?", "¿cuándo llega mi paquete?", "estado de mi pedido", "número de seguimiento",
        "onde está meu pedido?", "quando chega minha encomenda?", "rastrear meu pedido",
        "pesanan saya sudah sampai mana?", "kapan paket saya sampai?", "cek status pesanan", "nomor resi",
        "我的订单到哪里了", "我的包裹什么时候到", "查一下物流", "快递单号是多少",
        "أين طلبي", "متى يصل طلبي", "تتبع الشحنة", "رقم التتبع",
    ),
    "list_orders": (
        "show me my orders", "what did I order recently", "list my recent purchases", "my order history",
        "mis pedidos", "ver mis compras recientes", "meus pedidos", "histórico de compras",
        "daftar pesanan saya", "riwayat belanja saya", "我的所有订单", "我最近买了什么", "طلباتي", "سجل مشترياتي",
    ),
    "shipping": (
        "how long does shipping take to Germany", "do you ship to my country", "delivery time to Canada",
        "how much is shipping", "free shipping threshold", "express delivery days",
        "¿en cuántos días llega un envío a Colombia?", "¿hacen envíos a Chile?", "¿cuánto cuesta el envío?",
        "quanto tempo demora a entrega no Brasil?", "vocês entregam em Portugal?", "frete grátis a partir de quanto?",
        "berapa lama pengiriman ke Indonesia?", "ongkos kirim berapa?", "apakah bisa kirim ke Malaysia?",
        "寄到新加坡要多久", "运费多少", "包邮吗", "能寄到美国吗",
        "كم يستغرق الشحن إلى السعودية", "هل تشحنون إلى مصر", "كم تكلفة الشحن", "الشحن المجاني",
    ),
    "duties": (
        "are import taxes charged on my order", "do I have to pay customs duties", "is VAT included", "import duty on delivery",
        "¿tengo que pagar impuestos de aduana?", "¿el IVA está incluido?", "vou pagar imposto de importação?",
        "taxa alfandegária", "apakah kena bea cukai?", "pajak impor berapa?", "需要交关税吗", "进口税怎么算",
        "هل سأدفع رسوم جمركية", "هل الضريبة مشمولة", "do I pay customs in the US", "are there import fees",
        "apakah saya harus bayar bea masuk?", "kena pajak impor nggak?", "¿pago aranceles al recibir?",
        "preciso pagar taxa de importação?", "到货要付税吗", "هل أدفع الجمارك عند الاستلام",
    ),
    "returns": (
        "what is your return policy", "can I return this item", "what's the deadline for sending items back",
        "I want a refund", "how do I send it back", "exchange for another size",
        "¿puedo devolver el producto?", "política de devoluciones", "quiero un reembolso",
        "posso devolver o produto?", "política de devolução", "quero trocar o tamanho",
        "bisa retur barang?", "kebijakan pengembalian", "saya mau refund",
        "可以退货吗", "收货后几天内能退", "怎么退款", "可以换货吗",
        "هل يمكنني إرجاع المنتج", "سياسة الإرجاع", "أريد استرداد المبلغ",
    ),
    "warranty": (
        "does it have a warranty", "how long is the guarantee", "warranty on electronics",
        "¿tiene garantía?", "¿cuánto dura la garantía?", "tem garantia?", "apakah ada garansi?", "berapa lama garansinya",
        "保修多久", "有质保吗", "هل يوجد ضمان", "كم مدة الضمان",
    ),
    "product_info": (
        "is the fabric breathable", "does it fit an iPhone", "which sizes can I get", "what colors are available",
        "how long does the battery last", "what material is it made of", "tell me about this product",
        "¿de qué material es?", "¿qué tallas tiene?", "¿cuánto dura la batería?", "¿cuánto cuesta?",
        "qual é o tamanho?", "de que material é feito?", "quanto custa?",
        "ukurannya apa saja?", "bahannya apa?", "berapa harganya?", "baterainya tahan berapa lama?",
        "这个有什么尺码", "电池能用多久", "是什么材质", "多少钱",
        "ما هي المقاسات المتوفرة", "كم يدوم الشحن للبطارية", "ما هي المادة", "كم السعر",
        "háblame del producto", "info del producto", "me fala sobre esse produto", "info produk ini dong",
        "介绍一下这个商品", "أخبرني عن هذا المنتج", "how heavy is it", "is it waterproof",
    ),
    "product_search": (
        "do you have headphones", "recommend a gift under $50", "I'm looking for something for hiking",
        "show me jackets", "what products do you sell",
        "¿tienen algo para regalar?", "busco una chaqueta", "vocês têm fones de ouvido?", "procuro um presente",
        "ada jaket?", "cari hadiah di bawah 50 dolar", "有没有耳机", "推荐一个礼物", "هل لديكم سماعات", "أبحث عن هدية",
    ),
    "stock": (
        "is it in stock", "when will it be back in stock", "is this available", "restock date",
        "¿hay stock?", "¿cuándo vuelve a estar disponible?", "tem em estoque?", "quando volta ao estoque?",
        "apakah stoknya ada?", "kapan restock?", "有货吗", "什么时候补货", "هل هو متوفر", "متى يعود للمخزون",
    ),
    "payment": (
        "which payment methods do you accept", "can I pay with PayPal", "do you take credit cards",
        "cash on delivery", "can I pay in installments",
        "¿qué formas de pago aceptan?", "¿puedo pagar con tarjeta?", "posso pagar com PIX?", "formas de pagamento",
        "bisa bayar pakai OVO?", "metode pembayaran apa saja?", "可以用支付宝吗", "支持哪些付款方式",
        "هل الدفع نقدا عند التوصيل متاح", "ما طرق الدفع المتاحة",
    ),
    "human": (
        "let me chat with a human agent", "connect me to an agent", "can I speak to customer service",
        "human please", "quiero hablar con una persona", "pásame con un agente", "quero falar com um atendente",
        "saya mau bicara dengan CS", "hubungkan ke manusia", "转人工", "我要找客服", "أريد التحدث مع موظف",
        "أريد التحدث إلى شخص حقيقي",
    ),
    "video": (
        "can I see it on a video call", "book a video consultation", "show me the product live on camera",
        "¿puedo verlo en videollamada?", "posso ver por chamada de vídeo?", "bisa video call untuk lihat produknya?",
        "可以视频看看吗", "هل يمكنني رؤيته في مكالمة فيديو",
    ),
    "complaint": (
        "my parcel arrived damaged", "the item is broken", "my package was lost", "I never received my order",
        "wrong item delivered", "mi paquete llegó dañado", "el producto llegó roto", "meu pedido chegou quebrado",
        "paket saya rusak", "barang tidak sampai", "包裹坏了", "收到的东西是坏的", "وصل الطرد تالفا", "لم يصلني طلبي",
    ),
    "gift_wrap": (
        "do you offer gift wrapping", "can you wrap it as a gift", "¿tienen envoltorio de regalo?",
        "embrulho para presente", "ada bungkus kado?", "可以礼品包装吗", "هل يوجد تغليف هدايا",
    ),
    "size_guide": (
        "which size should I pick", "does it run true to size", "size guide", "¿qué talla me recomiendas?",
        "qual tamanho devo escolher?", "ukuran apa yang cocok?", "我该选什么尺码", "ما المقاس المناسب لي",
    ),
    "order_change": (
        "can I cancel my order", "change my shipping address", "modify my order", "¿puedo cancelar mi pedido?",
        "posso cancelar meu pedido?", "bisa batalkan pesanan?", "可以取消订单吗", "هل يمكنني إلغاء الطلب",
    ),
    "discount": (
        "do you have a discount code", "any coupons", "price match", "¿tienen cupones de descuento?",
        "tem cupom de desconto?", "ada kode diskon?", "有优惠券吗", "هل يوجد كود خصم",
    ),
    "hours": (
        "what are your support hours", "when are agents available", "when are your human agents available",
        "what time does customer service open", "are you open on weekends", "¿a qué hora atienden?",
        "qual o horário de atendimento?", "jam operasional CS?", "客服几点上班", "ما هي ساعات العمل",
        "متى يرد فريق خدمة العملاء", "is anyone from your team working today",
    ),
    "greeting": (
        "hello", "hi there", "good morning", "hola", "buenos días", "olá", "bom dia", "halo", "selamat pagi",
        "你好", "مرحبا", "السلام عليكم",
    ),
    "thanks": (
        "thank you", "thanks, bye", "that's all", "gracias", "muchas gracias", "obrigado", "terima kasih",
        "谢谢", "شكرا",
    ),
}

# High-precision cues. Each hit adds a bonus to the intent's embedding score.
_CUES: dict[str, str] = {
    "order_status": r"where.{0,12}(order|package|parcel)|track|tracking|carrier|shipped yet|arrive|status|"
                    r"courier|kurir|ekspedisi|transportadora|paqueter[ií]a|快递公司|哪家快递|شركة الشحن|"
                    r"stuck|delayed|taking so long|retrasad|atrasad|demorando|terlambat|卡住|延误|تأخر|متأخر|"
                    r"dónde está|llega|seguimiento|onde está|rastre|chega|sampai mana|resi|lacak|到哪|物流|"
                    r"快递单|单号|أين طلب|تتبع|متى يصل|سيصل|شحنتي",
    "list_orders": r"my orders|order history|recent (orders|purchases)|mis pedidos|meus pedidos|daftar pesanan|"
                   r"riwayat|我的所有订单|历史订单|طلباتي",
    "shipping": r"ship|deliver|envío|envio|envían|entrega|frete|kirim|pengiriman|ongkir|ongkos|运费|寄到|配送|"
                r"ngirim|giriman|b(e)?r(a)?p(a)? lama|lama (kirim|pengiriman|sampai|nyampe)|nyampe|"
                r"cu[aá]nto tarda|quanto tempo (demora|leva)|prazo de entrega|\bmandar|\bmandam|\bmandan|"
                r"\benviar|\benvian|\benviam|"
                r"包邮|发货|发到|寄往|送到|多久|几天|الشحن|شحن|توصيل",
    "duties": r"dut(y|ies)|customs|import tax|vat\b|tariff|aduana|impuesto|iva\b|imposto|alfândega|taxa|bea cukai|"
              r"bea masuk|\bbea\b|cukai|pajak impor|biaya impor|import (fees?|charges?)|impostos?|\bgst\b|"
              r"海关|税费|الرسوم الجمركية|"
              r"arancel|aduaner|aduaneir|tarif|ضرائب|جمارك|الجمارك|استيراد|"
              r"pajak|关税|进口税|税|جمرك|ضريبة|رسوم",
    "returns": r"return|refund|send it back|exchange|devol|reembolso|troca|trocar|retur|pengembalian|refund|"
               r"send (it |them |this |that |these |the [\w ]{1,40})?back|kembalikan|寄回|退回|إعادة المنتج|"
               r"\btukar|penukaran|cambio de talla|cambiar (la |de )?talla|换尺码|换码|استبدال|"
               r"wrong size|equivoqu[eé] de talla|talla equivocada|tamanho errado|salah ukuran|尺码不对|买错|"
               r"مقاس خطأ|cambiarl[ao]|trocá-l[ao]|trocar de tamanho|"
               r"可以退|能退|退吗|退回|"
               r"退货|退款|换货|إرجاع|ارجاع|استرداد|استبدال",
    "warranty": r"warrant|guarantee|garant|garansi|保修|质保|ضمان",
    "product_info": r"size|sizes|colou?r|material|battery|fit|breathable|waterproof|compatible|weight|made of|"
                    r"\bprice\b|how much (is|are|does)|cu[aá]nto (cuesta|vale)|precio|quanto (custa|é)|preço|"
                    r"\bharga|多少钱|价格|بكم|سعر|"
                    r"work with|works with|funciona con|funciona com|cocok|适用|يعمل مع|"
                    r"\bcolors?\b|\bcor(es)?\b|warna|颜色|(?<!\w)(ال|بال)?لون(?!\w)|"
                    r"talla|tallas|batería|tamanho|bateria|ukuran|bahan|baterai|尺码|电池|材质|مقاس|بطارية|مادة",
    "product_search": r"do you (have|sell)|looking for|recommend|suggest|gift for|tienen|busco|recomienda|"
                      r"vocês têm|procuro|ada .{0,20}\?|cari|rekomendasi|有没有|推荐|هل لديكم|أبحث",
    "stock": r"in stock|back in stock|restock|available|availability|sold out|stock|disponible|estoque|"
             r"esgot|agotad|se agot|habis|售罄|卖完|缺货|نفد|نفذ|"
             r"disponível|stok|tersedia|有货|补货|库存|متوفر|المخزون",
    "payment": r"\bpay\b|pay with|payment|credit card|paypal|klarna|pix|cash on delivery|apple pay|installment|"
               r"\bamex\b|american express|\bvisa\b|mastercard|google pay|alipay|wechat pay|支付宝|微信支付|"
               r"\baccept(s|ed)?\b|acept(an|a|ar)\b|aceit(am|a|ar)\b|boleto|menerima|"
               r"pagar|pago|pagamento|cartão|tarjeta|bayar|pembayaran|ovo|dana|cod|付款|支付|الدفع|مدى|دفع",
    "human": r"real person|human|agent|representative|someone real|talk to (a|an|some)one|speak (to|with)|"
             r"persona real|una persona|un agente|hablar con|atendente|pessoa|falar com|manusia|orang|\bcs\b|"
             r"customer service|人工|真人|客服|موظف|شخص|إنسان|خدمة العملاء",
    "video": r"video|live (video|call)|\bon camera|videollamada|chamada de vídeo|vídeo|视频|فيديو",
    "complaint": r"damaged|broken|cracked|smashed|lost|never (arrived|received)|wrong item|dañad|roto|rota|"
                 r"perdid|quebrad|danificad|extraviad|rusak|pecah|hilang|坏|破|丢|تالف|مكسور|ضاع|مفقود",
    "gift_wrap": r"gift.?wrap|wrap|envoltorio|envolver|embrulh|bungkus kado|kado|礼品包装|包装|تغليف|تغلف|نغلف|ملفوف",
    "size_guide": r"which size|true to size|size guide|between sizes|qué talla(?!s)|qual tamanho(?!s)|ukuran apa|选什么尺码|"
                  r"المقاس المناسب|size (up|down)|(usually|normally) wear|"
                  r"\bbetween (a |an |size )?(?:x{0,3}[sml]|xxl|[pg]{1,2}) (and|or|&) (a |an )?(?:x{0,3}[sml]|xxl|[pg]{1,2})\b|"
                  r"\bentre (la |el |a |o |talla |tamanho )?(?:x{0,3}[sml]|xxl|[pg]{1,2}) (y|o|e|ou) (la |el |a |o )?(?:x{0,3}[sml]|xxl|[pg]{1,2})\b|"
                  r"\bantara (ukuran )?(?:x{0,3}[sml]|xxl|[pg]{1,2}) (dan|atau) (?:x{0,3}[sml]|xxl|[pg]{1,2})\b|(?<![A-Za-z])(?:x{0,3}[sml]|xxl|[pg]{1,2}) ?(和|还是|或) ?(?:x{0,3}[sml]|xxl|[pg]{1,2})(?![A-Za-z])|"
                  r"介于|选哪个码|穿多大|بين مقاس|بين المقاس|talla (m[aá]s )?(grande|peque)|"
                  r"偏大|偏小|正码|runs? (small|large|big)|viene (grande|peque)|vem (grande|pequen)|kebesaran|"
                  r"kekecilan|بين مقاسين|"
                  r"tamanho (maior|menor)|ukuran (lebih )?(besar|kecil)|qué talla (elijo|escojo|pido)|"
                  r"what size should",
    "order_change": r"(?<!noise )(?<!noise-)cancel(?!l?ing (headphones|earbuds|earphones))|change (my|the) (order|address)|change the address|modify|cancelar|modificar|alterar|batal|ubah|取消|修改|"
                    r"\bchange\b.{0,25}\b(order|size|colou?r|address|item|quantity)\b|"
                    r"cambiar .{0,20}(pedido|talla|direcci|color)|(mudar|trocar) .{0,20}(pedido|tamanho|endere)|"
                    r"ganti .{0,20}(pesanan|ukuran|warna)|(改|换|更改).{0,6}(订单|尺码|地址|颜色)|"
                    r"cambiar (la )?direcci[óo]n|mudar o endere[çc]o|ganti alamat|改地址|تغيير العنوان|تغيير|"
                    r"إلغاء|تعديل",
    "discount": r"discount|coupon|promo|voucher|price match|descuento|cupón|cupom|desconto|diskon|kupon|优惠|折扣|"
                r"igualan precios|igualar (el )?precio|cobrem? (o )?pre[çc]o|比价|مطابقة الأسعار|"
                r"خصم|كوبون",
    "hours": r"support hours|business hours|opening hours|what time|when are .{0,30}(available|online|open)|"
             r"(support|team|agents?|staff|customer service|someone|anyone)\b.{0,25}\b(available|open|working)\b|"
             r"أوقات عمل|اوقات عمل|متى (يعمل|يرد|يداوم)|"
             r"buka jam|jam berapa|jam buka|jam kerja|a qu[eé] hora|que horas|hor[aá]rio|营业时间|上班时间|几点|"
             r"ساعات|متى (يفتح|تفتح|تعمل)|"
             r"horario|horário|jam operasional|几点|ساعات العمل",
    "greeting": r"^\s*(hi|hello|hey|hola|olá|ola|halo|hai|你好|您好|مرحبا|السلام عليكم|good (morning|evening))\b",
    "thanks": r"thank|thanks|gracias|obrigad|terima kasih|谢谢|شكرا",
}
CUES: dict[str, re.Pattern[str]] = {k: re.compile(v, re.IGNORECASE) for k, v in _CUES.items()}

# actions on orders: the router scores them, action_intents.gate decides (their words must ask for one)
EXAMPLES.update(ACTION_EXAMPLES)

INTENTS = tuple(EXAMPLES)
