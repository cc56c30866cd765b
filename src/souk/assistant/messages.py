"""Reply templates in en, es, pt, id, zh and ar. Facts are filled in from tool results only.

Over 500 lines because it is one table of data, not logic: every reply in six languages, one block of eight
lines per reply, kept in one file so a translator reads and checks all of a language's replies in one place.
"""

from __future__ import annotations

from typing import Any

from souk.assistant.messages_policy import P

T: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Hi! I'm the {store} assistant. I can track your order, explain shipping, duties, returns and payment, and help you find a product. What can I do for you?",
        "es": "¡Hola! Soy el asistente de {store}. Puedo rastrear su pedido, explicar el envío, los impuestos, las devoluciones y los pagos, y ayudarle a encontrar un producto. ¿En qué le ayudo?",
        "pt": "Olá! Sou o assistente da {store}. Posso acompanhar o seu pedido, explicar o envio, os impostos, as devoluções e o pagamento, e ajudar você a encontrar um produto. Como posso ajudar?",
        "id": "Halo! Saya asisten {store}. Saya bisa melacak pesanan Anda, menjelaskan pengiriman, bea masuk, pengembalian dan pembayaran, dan membantu mencari produk. Ada yang bisa kami bantu?",
        "zh": "您好!我是{store}的购物助手。我可以帮您查询订单、解答运费、关税、退货和付款问题,也可以帮您找商品。请问有什么可以帮您?",
        "ar": "مرحبا! أنا مساعد متجر {store}. يمكنني تتبع طلبك وشرح الشحن والرسوم الجمركية والإرجاع والدفع ومساعدتك في العثور على منتج. كيف يمكنني مساعدتك؟",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help you with?",
        "es": "¡De nada! ¿Hay algo más en lo que le pueda ayudar?",
        "pt": "De nada! Posso ajudar você com mais alguma coisa?",
        "id": "Sama-sama! Ada lagi yang bisa kami bantu untuk Anda?",
        "zh": "不客气!还有什么可以帮您的吗?",
        "ar": "على الرحب والسعة! هل هناك شيء آخر يمكنني مساعدتك به؟",
    },
    "clarify": {
        "en": "Sorry, I'm not sure I understood. Is your question about an order, shipping, returns, payment or a product?",
        "es": "Perdón, no estoy seguro de haber entendido. ¿Su pregunta es sobre un pedido, el envío, una devolución, el pago o un producto?",
        "pt": "Desculpe, não tenho certeza se entendi. A sua pergunta é sobre um pedido, o envio, uma devolução, o pagamento ou um produto?",
        "id": "Maaf, saya belum paham. Apakah pertanyaan Anda tentang pesanan, pengiriman, pengembalian, pembayaran, atau produk?",
        "zh": "抱歉,我不太确定您的意思。请问您的问题是关于订单、配送、退货、付款还是商品?",
        "ar": "عذرا، لست متأكدا من أنني فهمت. هل سؤالك عن طلب أو الشحن أو الإرجاع أو الدفع أو منتج؟",
    },
    "too_long": {
        "en": "(Your message was very long, so I read only the beginning.) ",
        "es": "(Su mensaje es muy largo, así que leí solo el principio.) ",
        "pt": "(A sua mensagem é muito longa, por isso li só o começo.) ",
        "id": "(Pesan Anda sangat panjang, jadi saya hanya membaca bagian awalnya.) ",
        "zh": "(您的消息太长,我只读了开头部分。)",
        "ar": "(رسالتك طويلة جدا، لذلك قرأت بدايتها فقط.) ",
    },
    "ask_email": {
        "en": "To protect your privacy, please confirm the e-mail address you used for order {oid} (or sign in to see your orders).",
        "es": "Para proteger su privacidad, confirme el correo electrónico con el que hizo el pedido {oid} (o inicie sesión para ver sus pedidos).",
        "pt": "Para proteger a sua privacidade, confirme o e-mail que você usou no pedido {oid} (ou entre na sua conta para ver os seus pedidos).",
        "id": "Untuk menjaga privasi Anda, mohon konfirmasi alamat email yang Anda pakai untuk pesanan {oid} (atau masuk ke akun untuk melihat pesanan Anda).",
        "zh": "为保护您的隐私,请确认下订单{oid}时使用的电子邮箱(或登录后查看您的订单)。",
        "ar": "لحماية خصوصيتك، يرجى تأكيد البريد الإلكتروني الذي استخدمته في الطلب {oid} (أو سجّل الدخول لرؤية طلباتك).",
    },
    "order_not_found": {
        "en": "I couldn't find order {oid} on your account. Please check the number; for privacy I can only show orders that belong to you.",
        "es": "No encontré el pedido {oid} en su cuenta. Por favor revise el número; por privacidad solo puedo mostrar los pedidos que son suyos.",
        "pt": "Não encontrei o pedido {oid} na sua conta. Por favor confira o número; por privacidade só posso mostrar os pedidos que são seus.",
        "id": "Saya tidak menemukan pesanan {oid} di akun Anda. Mohon cek lagi nomornya; demi privasi kami hanya bisa menampilkan pesanan milik Anda.",
        "zh": "在您的账户中没有找到订单{oid}。请核对订单号;为保护隐私,我只能显示属于您的订单。",
        "ar": "لم أجد الطلب {oid} في حسابك. يرجى التحقق من الرقم؛ حفاظا على الخصوصية لا يمكنني عرض إلا الطلبات التي تخصك.",
    },
    "order_not_verified": {
        "en": "I couldn't match order {oid} with that e-mail address. Please check both; for privacy I can only share an order with the person who placed it.",
        "es": "No pude asociar el pedido {oid} con ese correo electrónico. Revise ambos datos; por privacidad solo comparto un pedido con la persona que lo hizo.",
        "pt": "Não consegui associar o pedido {oid} a esse e-mail. Confira os dois dados; por privacidade só compartilho um pedido com a pessoa que o fez.",
        "id": "Pesanan {oid} tidak cocok dengan email tersebut. Mohon cek keduanya; demi privasi kami hanya membagikan pesanan kepada pemesannya.",
        "zh": "订单{oid}与该邮箱不匹配。请核对两者;为保护隐私,我只能向下单本人提供订单信息。",
        "ar": "لم أتمكن من مطابقة الطلب {oid} مع هذا البريد الإلكتروني. يرجى التحقق منهما؛ حفاظا على الخصوصية لا أشارك الطلب إلا مع صاحبه.",
    },
    # order status sentences
    "order_processing": {
        "en": "Order {oid} is {status}: it hasn't shipped yet (placed on {placed}).",
        "es": "El pedido {oid} está {status}: todavía no se ha enviado (se hizo el {placed}).",
        "pt": "O pedido {oid} está {status}: ainda não foi enviado (feito em {placed}).",
        "id": "Pesanan {oid} {status}: belum dikirim (dipesan pada {placed}).",
        "zh": "订单{oid}{status}:尚未发货(下单日期{placed})。",
        "ar": "الطلب {oid} {status}: لم يتم شحنه بعد (تاريخ الطلب {placed}).",
    },
    "order_moving": {
        "en": "Order {oid} is {status}. It shipped on {shipped} with {carrier}, tracking number {tracking}. Estimated delivery: {eta}.",
        "es": "El pedido {oid} está {status}. Se envió el {shipped} con {carrier}, con el número de seguimiento {tracking}. Entrega estimada: {eta}.",
        "pt": "O pedido {oid} está {status}. Foi enviado em {shipped} com a {carrier}, com o código de rastreio {tracking}. Entrega prevista: {eta}.",
        "id": "Pesanan {oid} {status}. Dikirim pada {shipped} dengan {carrier}, nomor resi {tracking}. Perkiraan tiba: {eta}.",
        "zh": "订单{oid}{status}。已于{shipped}由{carrier}发出,运单号{tracking}。预计送达:{eta}。",
        "ar": "الطلب {oid} {status}. تم شحنه في {shipped} مع {carrier}، رقم التتبع {tracking}. موعد التسليم المتوقع: {eta}.",
    },
    "order_delivered": {
        "en": "Order {oid} was {status} on {delivered} by {carrier} (tracking number {tracking}).",
        "es": "El pedido {oid} fue {status} el {delivered} por {carrier} (número de seguimiento {tracking}).",
        "pt": "O pedido {oid} foi {status} em {delivered} pela {carrier} (código de rastreio {tracking}).",
        "id": "Pesanan {oid} {status} pada {delivered} oleh {carrier} (nomor resi {tracking}).",
        "zh": "订单{oid}已于{delivered}{status},承运商{carrier}(运单号{tracking})。",
        "ar": "الطلب {oid} {status} في {delivered} عن طريق {carrier} (رقم التتبع {tracking}).",
    },
    "order_carrier": {
        "en": "Order {oid} is with {carrier}, tracking number {tracking} (status: {status}).",
        "es": "El pedido {oid} va con {carrier}, con el número de seguimiento {tracking} (estado: {status}).",
        "pt": "O pedido {oid} está com a {carrier}, com o código de rastreio {tracking} (status: {status}).",
        "id": "Pesanan {oid} dikirim dengan {carrier}, nomor resi {tracking} (status: {status}).",
        "zh": "订单{oid}由{carrier}承运,运单号{tracking}(状态:{status})。",
        "ar": "الطلب {oid} مع {carrier}، رقم التتبع {tracking} (الحالة: {status}).",
    },
    "order_customs": {
        "en": "Order {oid} is {status} ({carrier}, tracking number {tracking}).",
        "es": "El pedido {oid} está {status} ({carrier}, número de seguimiento {tracking}).",
        "pt": "O pedido {oid} está {status} ({carrier}, código de rastreio {tracking}).",
        "id": "Pesanan {oid} {status} ({carrier}, nomor resi {tracking}).",
        "zh": "订单{oid}目前{status}({carrier},运单号{tracking})。",
        "ar": "الطلب {oid} {status} ({carrier}، رقم التتبع {tracking}).",
    },
    "order_closed": {
        "en": "Order {oid} was {status}.{refund}",
        "es": "El pedido {oid} fue {status}.{refund}",
        "pt": "O pedido {oid} foi {status}.{refund}",
        "id": "Pesanan {oid} {status}.{refund}",
        "zh": "订单{oid}{status}。{refund}",
        "ar": "الطلب {oid} {status}.{refund}",
    },
    "refund_line": {
        "en": " Refund: {amount} ({refund_status}).",
        "es": " Reembolso: {amount} ({refund_status}).",
        "pt": " Reembolso: {amount} ({refund_status}).",
        "id": " Pengembalian dana: {amount} ({refund_status}).",
        "zh": "退款:{amount}({refund_status})。",
        "ar": " المبلغ المسترد: {amount} ({refund_status}).",
    },
    "order_items": {
        "en": " Items: {items}. Total: {total}.",
        "es": " Artículos: {items}. Total: {total}.",
        "pt": " Itens: {items}. Total: {total}.",
        "id": " Barang: {items}. Total: {total}.",
        "zh": "商品:{items}。合计:{total}。",
        "ar": " المنتجات: {items}. الإجمالي: {total}.",
    },
    "other_orders": {
        "en": " If you meant another order ({ids}), tell me its number.",
        "es": " Si se refiere a otro pedido ({ids}), dígame el número.",
        "pt": " Se você se refere a outro pedido ({ids}), diga o número.",
        "id": " Jika yang Anda maksud pesanan lain ({ids}), sebutkan nomornya.",
        "zh": "如果您问的是其他订单({ids}),请告诉我订单号。",
        "ar": " إذا كنت تقصد طلبا آخر ({ids})، أخبرني برقمه.",
    },
    "orders_list": {
        "en": "You have {n} orders. The most recent: {items}. Which one would you like to know about?",
        "es": "Tiene {n} pedidos. Los más recientes son: {items}. ¿Sobre cuál quiere saber?",
        "pt": "Você tem {n} pedidos. Os mais recentes: {items}. Sobre qual você quer saber?",
        "id": "Anda punya {n} pesanan. Yang terbaru: {items}. Pesanan mana yang ingin Anda ketahui?",
        "zh": "您共有{n}个订单。最近的订单:{items}。您想查询哪一个?",
        "ar": "لديك {n} طلبات. أحدثها: {items}. عن أي طلب تريد أن تعرف؟",
    },
    "orders_none": {
        "en": "I don't see any orders on your account yet.",
        "es": "Todavía no veo ningún pedido en su cuenta.",
        "pt": "Ainda não vejo nenhum pedido na sua conta.",
        "id": "Saya belum melihat pesanan apa pun di akun Anda.",
        "zh": "您的账户中还没有订单。",
        "ar": "لا أرى أي طلبات في حسابك حتى الآن.",
    },
    "orders_anonymous": {
        "en": "For privacy I can only list orders when you are signed in. You can also give me an order number and the e-mail you used for it.",
        "es": "Por privacidad solo puedo listar sus pedidos si inicia sesión. También me puede dar un número de pedido y el correo con el que lo hizo.",
        "pt": "Por privacidade só posso listar os seus pedidos quando você entra na sua conta. Você também pode me dar um número de pedido e o e-mail que usou.",
        "id": "Demi privasi, kami hanya bisa menampilkan daftar pesanan jika Anda masuk ke akun. Anda juga bisa memberikan nomor pesanan dan email yang dipakai.",
        "zh": "为保护隐私,只有登录后我才能列出您的订单。您也可以提供订单号和下单时使用的邮箱。",
        "ar": "حفاظا على الخصوصية لا يمكنني عرض طلباتك إلا بعد تسجيل الدخول. يمكنك أيضا إعطائي رقم الطلب والبريد الإلكتروني المستخدم فيه.",
    },
    # shipping
    "ask_country": {
        "en": "Which country should it be shipped to?",
        "es": "¿A qué país se enviaría el pedido?",
        "pt": "Para qual país seria o envio do seu pedido?",
        "id": "Pesanan akan dikirim ke negara mana?",
        "zh": "请问要寄到哪个国家?",
        "ar": "إلى أي دولة سيتم الشحن؟",
    },
    "shipping": {
        "en": "Shipping to {country}: standard delivery takes {std}, express takes {exp}. Shipping is free on orders over {free}.",
        "es": "Envío a {country}: el envío estándar tarda {std} y el exprés tarda {exp}. El envío es gratis en pedidos de más de {free}.",
        "pt": "Envio para {country}: a entrega padrão leva {std} e a expressa leva {exp}. O frete é grátis em pedidos acima de {free}.",
        "id": "Pengiriman ke {country}: reguler {std}, ekspres {exp}. Gratis ongkir untuk pesanan di atas {free}.",
        "zh": "寄往{country}:标准配送需要{std},特快配送需要{exp}。订单满{free}包邮。",
        "ar": "الشحن إلى {country}: الشحن العادي يستغرق {std}، والشحن السريع يستغرق {exp}. الشحن مجاني للطلبات التي تزيد عن {free}.",
    },
    "shipping_express": {
        "en": "Express shipping to {country} takes {exp} (standard: {std}). Shipping is free on orders over {free}.",
        "es": "El envío exprés a {country} tarda {exp} (el estándar tarda {std}). El envío es gratis en pedidos de más de {free}.",
        "pt": "O envio expresso para {country} leva {exp} (o padrão leva {std}). O frete é grátis em pedidos acima de {free}.",
        "id": "Pengiriman ekspres ke {country} memakan waktu {exp} (reguler: {std}). Gratis ongkir untuk pesanan di atas {free}.",
        "zh": "特快配送寄往{country}需要{exp}(标准配送:{std})。订单满{free}包邮。",
        "ar": "الشحن السريع إلى {country} يستغرق {exp} (الشحن العادي: {std}). الشحن مجاني للطلبات التي تزيد عن {free}.",
    },
    "shipping_standard": {
        "en": "Standard shipping to {country} takes {std} (express: {exp}). Shipping is free on orders over {free}.",
        "es": "El envío estándar a {country} tarda {std} (el exprés tarda {exp}). El envío es gratis en pedidos de más de {free}.",
        "pt": "O envio padrão para {country} leva {std} (o expresso leva {exp}). O frete é grátis em pedidos acima de {free}.",
        "id": "Pengiriman reguler ke {country} memakan waktu {std} (ekspres: {exp}). Gratis ongkir untuk pesanan di atas {free}.",
        "zh": "标准配送寄往{country}需要{std}(特快配送:{exp})。订单满{free}包邮。",
        "ar": "الشحن العادي إلى {country} يستغرق {std} (الشحن السريع: {exp}). الشحن مجاني للطلبات التي تزيد عن {free}.",
    },
    # duties
    # returns
    # warranty
    # products
    "ask_product": {
        "en": "Which product do you mean? Tell me its name, for example \"{example}\".",
        "es": "¿A qué producto se refiere? Dígame el nombre, por ejemplo \"{example}\".",
        "pt": "De qual produto você está falando? Diga o nome, por exemplo \"{example}\".",
        "id": "Produk yang mana yang Anda maksud? Sebutkan namanya, misalnya \"{example}\".",
        "zh": "请问您指的是哪件商品?请告诉我商品名称,例如“{example}”。",
        "ar": "أي منتج تقصد؟ أخبرني باسمه، مثلا \"{example}\".",
    },
    "product": {
        "en": "The {name} costs {price}. {description}{attrs}{stock}",
        "es": "El artículo {name} cuesta {price}. {description}{attrs}{stock} ¿Le ayudo con el envío o con un pedido?",
        "pt": "O produto {name} custa {price}. {description}{attrs}{stock} Posso ajudar você com o envio ou com um pedido?",
        "id": "Produk {name} harganya {price}. {description}{attrs}{stock} Ada yang bisa kami bantu untuk pesanan Anda?",
        "zh": "{name}售价{price}。{description}{attrs}{stock}",
        "ar": "سعر {name} هو {price}. {description}{attrs}{stock}",
    },
    "focus": {
        "en": "For the {name}, the store lists {attrs}. ",
        "es": "Para el artículo {name}, la tienda indica {attrs}. ",
        "pt": "Para o produto {name}, a loja informa {attrs}. ",
        "id": "Untuk produk {name}, data dari toko: {attrs}. ",
        "zh": "{name}的参数:{attrs}。",
        "ar": "بالنسبة إلى {name}، يذكر المتجر ما يلي: {attrs}. ",
    },
    "focus_missing": {
        "en": "The store doesn't list that detail for the {name}; here is everything it lists. ",
        "es": "La tienda no indica ese dato para el artículo {name}; esto es todo lo que indica. ",
        "pt": "A loja não informa esse dado para o produto {name}; isto é tudo o que ela informa. ",
        "id": "Toko tidak mencantumkan detail itu untuk produk {name}; ini semua data yang ada. ",
        "zh": "商店没有列出{name}的这项信息,以下是全部商品信息。",
        "ar": "لا يذكر المتجر هذه المعلومة عن {name}؛ إليك كل ما يذكره. ",
    },
    "probe_yes": {
        "en": "Yes, the {name} is compatible with {what}. ",
        "es": "Sí, el artículo {name} es compatible con {what}. ",
        "pt": "Sim, o {name} é compatível com {what}. ",
        "id": "Ya, {name} kompatibel dengan {what}. ",
        "zh": "是的,{name}适用于{what}。",
        "ar": "نعم، {name} متوافق مع {what}. ",
    },
    "probe_has": {
        "en": "Yes, the {name} comes in {what}. ",
        "es": "Sí, el artículo {name} está disponible en {what}. ",
        "pt": "Sim, o {name} está disponível em {what}. ",
        "id": "Ya, {name} tersedia dalam {what}. ",
        "zh": "是的,{name}有{what}。",
        "ar": "نعم، {name} متوفر بـ {what}. ",
    },
    "probe_no": {
        "en": "No, the {name} is not listed for {what}. It is listed for: {options}. ",
        "es": "No, el artículo {name} no está indicado para {what}. Está indicado para: {options}. ",
        "pt": "Não, o {name} não é indicado para {what}. Ele é indicado para: {options}. ",
        "id": "Tidak, {name} tidak tercantum untuk {what}. Yang tercantum: {options}. ",
        "zh": "不,{name}不适用于{what}。适用范围:{options}。",
        "ar": "لا، {name} غير مدرج لـ {what}. المدرج هو: {options}. ",
    },
    "in_stock": {
        "en": "Yes, the {name} is in stock and ready to ship.",
        "es": "Sí, el artículo {name} está en stock y listo para enviar.",
        "pt": "Sim, o {name} está em estoque e pronto para envio.",
        "id": "Ya, stok {name} tersedia dan bisa langsung dikirim dari gudang kami.",
        "zh": "有的,{name}有现货,可以马上发货。",
        "ar": "نعم، {name} متوفر في المخزون وجاهز للشحن.",
    },
    "in_stock_short": {
        "en": "It is in stock.", "es": "Está en stock.", "pt": "Está em estoque.", "id": "Stok tersedia.",
        "zh": "有现货。", "ar": "متوفر في المخزون.",
    },
    "out_of_stock": {
        "en": "The {name} is out of stock right now; it is expected back in stock on {date}.",
        "es": "El artículo {name} está agotado por ahora; se espera que vuelva a estar en stock el {date}.",
        "pt": "O {name} está esgotado no momento; a previsão é que volte ao estoque em {date}.",
        "id": "Maaf, {name} sedang habis di toko kami; stok yang baru diperkirakan akan tersedia pada {date}.",
        "zh": "{name}目前缺货,预计{date}补货。",
        "ar": "{name} غير متوفر حاليا؛ ومن المتوقع أن يعود إلى المخزون في {date}.",
    },
    "out_of_stock_nodate": {
        "en": "The {name} is out of stock right now and there is no restock date yet.",
        "es": "El artículo {name} está agotado por ahora y todavía no hay una fecha de reposición.",
        "pt": "O {name} está esgotado no momento e ainda não há uma data de reposição.",
        "id": "{name} sedang habis dan belum ada tanggal restock untuk produk ini.",
        "zh": "{name}目前缺货,暂无补货日期。",
        "ar": "{name} غير متوفر حاليا ولا يوجد موعد لإعادة التوفير بعد.",
    },
    "search": {
        "en": "Here is what I found{cap}: {items}. Would you like details on one of them?",
        "es": "Esto es lo que encontré{cap}: {items}. ¿Quiere los detalles de alguno?",
        "pt": "Isto é o que encontrei{cap}: {items}. Você quer os detalhes de algum deles?",
        "id": "Ini yang saya temukan{cap}: {items}. Mau lihat detail salah satunya?",
        "zh": "为您找到{cap}:{items}。需要了解其中某件的详情吗?",
        "ar": "هذا ما وجدته{cap}: {items}. هل تريد تفاصيل أحدها؟",
    },
    "search_cap": {
        "en": " under {cap}", "es": " por menos de {cap}", "pt": " por menos de {cap}", "id": " di bawah {cap}",
        "zh": "{cap}以内的商品", "ar": " بأقل من {cap}",
    },
    "search_none": {
        "en": "I couldn't find a product that matches{cap}. We sell, for example: {examples}. Could you describe what you are looking for?",
        "es": "No encontré un producto que coincida{cap}. Vendemos, por ejemplo: {examples}. ¿Me puede describir lo que busca?",
        "pt": "Não encontrei um produto que corresponda{cap}. Vendemos, por exemplo: {examples}. Pode descrever o que você procura?",
        "id": "Saya tidak menemukan produk yang cocok{cap}. Kami menjual, misalnya: {examples}. Bisa jelaskan apa yang Anda cari?",
        "zh": "没有找到符合条件的商品{cap}。我们销售的商品例如:{examples}。能描述一下您想找什么吗?",
        "ar": "لم أجد منتجا مطابقا{cap}. نبيع مثلا: {examples}. هل يمكنك وصف ما تبحث عنه؟",
    },
    # payment
    "pay_yes": {
        "en": "Yes, you can pay with {method}{where}.",
        "es": "Sí, puede pagar con {method}{where}.",
        "pt": "Sim, você pode pagar com {method}{where}.",
        "id": "Ya, Anda bisa bayar dengan {method}{where}.",
        "zh": "可以,{where}支持使用{method}付款。",
        "ar": "نعم، يمكنك الدفع عبر {method}{where}.",
    },
    "pay_no": {
        "en": "Sorry, {method} is not available{where}. You can pay with: {methods}.",
        "es": "Lo siento, {method} no está disponible{where}. Puede pagar con: {methods}.",
        "pt": "Desculpe, {method} não está disponível{where}. Você pode pagar com: {methods}.",
        "id": "Maaf, {method} tidak tersedia{where}. Anda bisa bayar dengan: {methods}.",
        "zh": "抱歉,{where}暂不支持{method}。您可以使用:{methods}。",
        "ar": "عذرا، {method} غير متاح{where}. يمكنك الدفع عبر: {methods}.",
    },
    "pay_list": {
        "en": "You can pay with: {methods}{where}.",
        "es": "Puede pagar con: {methods}{where}.",
        "pt": "Você pode pagar com: {methods}{where}.",
        "id": "Anda bisa bayar dengan: {methods}{where}.",
        "zh": "{where}可用的付款方式:{methods}。部分付款方式只在特定国家或地区提供,结账时会显示您可以使用的付款方式。",
        "ar": "يمكنك الدفع عبر: {methods}{where}. بعض طرق الدفع متاحة في دول معينة فقط، وستظهر لك الطرق المتاحة عند إتمام الطلب.",
    },
    "where": {
        "en": " in {country}", "es": " en {country}", "pt": " em {country}", "id": " di {country}",
        "zh": "在{country}", "ar": " في {country}",
    },
    # escalation
    "handoff": {  # why, then that the team gets it: never that a person is there (the desk's notice says that)
        "en": "{why}I'm handing this conversation to our support team with everything said so far, so you won't need to repeat yourself.",
        "es": "{why}Paso esta conversación a nuestro equipo de atención con todo lo que hablamos, así que no tendrá que repetir los detalles.",
        "pt": "{why}Estou passando esta conversa para a nossa equipe de atendimento com tudo o que falamos, então você não precisa repetir nada.",
        "id": "{why}Percakapan ini akan kami teruskan ke tim layanan pelanggan beserta semua yang sudah dibahas, jadi Anda tidak perlu mengulang.",
        "zh": "{why}我会把本次对话连同之前的内容一起转给我们的客服团队,您无需重复说明。",
        "ar": "{why}سأحيل هذه المحادثة إلى فريق الدعم مع كل ما قيل حتى الآن، فلن تحتاج إلى التكرار.",
    },
    "why_requested": {
        "en": "Of course. ", "es": "Por supuesto. ", "pt": "Claro. ", "id": "Baik. ", "zh": "好的。", "ar": "بالتأكيد. ",
    },
    "why_angry": {
        "en": "I'm really sorry about this experience. ", "es": "Lamento mucho esta experiencia. ",
        "pt": "Sinto muito por essa experiência. ", "id": "Kami mohon maaf atas pengalaman ini. ",
        "zh": "非常抱歉给您带来不好的体验。", "ar": "أعتذر بشدة عن هذه التجربة. ",
    },
    "why_damage": {
        "en": "I'm sorry your parcel{oid} had this problem. A specialist will handle your claim and the compensation. ",
        "es": "Lamento mucho el problema con su paquete{oid}. Una persona especialista se encargará de su reclamo y de la compensación. ",
        "pt": "Sinto muito pelo problema com a sua encomenda{oid}. Uma pessoa especialista vai cuidar da sua reclamação e da compensação. ",
        "id": "Mohon maaf atas masalah dengan paket Anda{oid}. Petugas kami akan menangani klaim dan kompensasi Anda. ",
        "zh": "很抱歉您的包裹{oid}出现了这个问题。专员会处理您的索赔和补偿。",
        "ar": "نأسف للمشكلة في طردك{oid}. سيتولى أحد المختصين مطالبتك والتعويض. ",
    },
    "why_confused": {
        "en": "I'm having trouble understanding, so a person will help you better. ",
        "es": "Me está costando entenderle, así que una persona le ayudará mejor. ",
        "pt": "Estou com dificuldade para entender, então uma pessoa vai ajudar você melhor. ",
        "id": "Saya kesulitan memahami, jadi petugas kami akan membantu Anda lebih baik. ",
        "zh": "我没能理解您的问题,人工客服会更好地帮助您。",
        "ar": "أجد صعوبة في الفهم، لذلك سيساعدك أحد الموظفين بشكل أفضل. ",
    },
    "video": {
        "en": "Of course! You can see the {name} live with a product specialist in a 1-on-1 video consultation before buying. I'm setting up the video call for you now.",
        "es": "¡Claro! Puede ver el artículo {name} en vivo con una persona especialista en una videollamada individual antes de comprar. Le estoy preparando la videollamada ahora.",
        "pt": "Claro! Você pode ver o {name} ao vivo com um especialista em uma chamada de vídeo individual antes de comprar. Estou preparando a chamada de vídeo para você agora.",
        "id": "Tentu! Anda bisa melihat {name} secara langsung dengan spesialis produk lewat video call 1-on-1 sebelum membeli. Saya sedang menyiapkan video call untuk Anda.",
        "zh": "当然可以!购买前您可以通过一对一视频咨询,由产品专员为您现场展示{name}。正在为您安排视频通话。",
        "ar": "بالتأكيد! يمكنك رؤية {name} مباشرة مع أحد مختصي المنتجات في استشارة فيديو فردية قبل الشراء. أقوم بتجهيز مكالمة الفيديو لك الآن.",
    },
    "injection": {
        "en": "I can't change prices, create discount codes or share my internal instructions. Prices are the ones listed in the store. Is there anything else I can help you with?",
        "es": "No puedo cambiar precios, crear códigos de descuento ni compartir mis instrucciones internas. Los precios son los que se muestran en la tienda. ¿Le ayudo con algo más?",
        "pt": "Não posso mudar preços, criar códigos de desconto nem compartilhar as minhas instruções internas. Os preços são os que estão na loja. Posso ajudar você com mais alguma coisa?",
        "id": "Saya tidak bisa mengubah harga, membuat kode diskon, atau membagikan instruksi internal. Harga yang berlaku adalah harga di toko. Ada lagi yang bisa kami bantu?",
        "zh": "我不能修改价格、生成折扣码或透露内部指令。价格以商店标价为准。还有什么可以帮您的吗?",
        "ar": "لا يمكنني تغيير الأسعار أو إنشاء أكواد خصم أو مشاركة تعليماتي الداخلية. الأسعار هي المعروضة في المتجر. هل هناك شيء آخر يمكنني مساعدتك به؟",
    },
    "order_change": {
        "en": "An order can be changed or cancelled while it is still being prepared, before it ships.",
        "es": "Un pedido se puede modificar o cancelar mientras todavía está en preparación, antes de que se envíe.",
        "pt": "Um pedido pode ser alterado ou cancelado enquanto ainda está em preparação, antes do envio.",
        "id": "Pesanan bisa diubah atau dibatalkan selama masih diproses, sebelum dikirim.",
        "zh": "订单在发货前(处理中)可以修改或取消。",
        "ar": "يمكن تعديل الطلب أو إلغاؤه ما دام قيد التجهيز، قبل شحنه.",
    },
    "order_change_ok": {
        "en": " Order {oid} hasn't shipped yet, so it can still be changed or cancelled; I'll pass your request to our team.",
        "es": " El pedido {oid} todavía no se ha enviado, así que se puede modificar o cancelar; le paso su solicitud a nuestro equipo.",
        "pt": " O pedido {oid} ainda não foi enviado, então pode ser alterado ou cancelado; vou passar o seu pedido para a nossa equipe.",
        "id": " Pesanan {oid} belum dikirim, jadi masih bisa diubah atau dibatalkan; permintaan Anda akan kami teruskan ke tim.",
        "zh": "订单{oid}尚未发货,仍可修改或取消,我会把您的请求转给团队处理。",
        "ar": " الطلب {oid} لم يُشحن بعد، لذلك يمكن تعديله أو إلغاؤه؛ سأحيل طلبك إلى فريقنا.",
    },
}

STATUS: dict[str, dict[str, str]] = {
    "pending": {"en": "awaiting payment", "es": "pendiente de pago", "pt": "aguardando pagamento",
                "id": "menunggu pembayaran", "zh": "待付款", "ar": "بانتظار الدفع"},
    "processing": {"en": "being prepared", "es": "en preparación", "pt": "em preparação", "id": "sedang diproses",
                   "zh": "正在处理中", "ar": "قيد التجهيز"},
    "shipped": {"en": "on its way", "es": "en camino", "pt": "a caminho", "id": "sudah dikirim",
                "zh": "已发货", "ar": "تم شحنه"},
    "in_transit": {"en": "in transit", "es": "en tránsito", "pt": "em trânsito", "id": "dalam perjalanan",
                   "zh": "运输中", "ar": "في الطريق"},
    "out_for_delivery": {"en": "out for delivery", "es": "en reparto", "pt": "saiu para entrega",
                         "id": "sedang diantar kurir", "zh": "正在派送中", "ar": "خرج للتوصيل"},
    "delivered": {"en": "delivered", "es": "entregado", "pt": "entregue", "id": "sudah diterima",
                  "zh": "送达", "ar": "تم تسليمه"},
    "cancelled": {"en": "cancelled", "es": "cancelado", "pt": "cancelado", "id": "dibatalkan", "zh": "已取消",
                  "ar": "تم إلغاؤه"},
    "returned": {"en": "returned", "es": "devuelto", "pt": "devolvido", "id": "dikembalikan", "zh": "已退货",
                 "ar": "تم إرجاعه"},
    "refunded": {"en": "refunded", "es": "reembolsado", "pt": "reembolsado", "id": "sudah di-refund",
                 "zh": "已退款", "ar": "تم رد مبلغه"},
    "customs_hold": {"en": "held by customs", "es": "retenido en la aduana", "pt": "retido na alfândega",
                     "id": "tertahan di bea cukai", "zh": "被海关扣留", "ar": "محتجز لدى الجمارك"},
    "lost": {"en": "reported lost", "es": "reportado como perdido", "pt": "dado como extraviado", "id": "dilaporkan hilang",
             "zh": "已报告丢失", "ar": "مفقود"},
    "exception": {"en": "waiting for a check by our team", "es": "en revisión por nuestro equipo",
                  "pt": "em análise pela nossa equipe", "id": "sedang dicek tim kami", "zh": "待人工核查",
                  "ar": "قيد المراجعة من فريقنا"},
}

REFUND_STATUS: dict[str, dict[str, str]] = {
    "pending": {"en": "pending", "es": "pendiente", "pt": "pendente", "id": "diproses", "zh": "处理中", "ar": "قيد المعالجة"},
    "issued": {"en": "issued", "es": "emitido", "pt": "emitido", "id": "sudah dikirim", "zh": "已退回", "ar": "تم إصداره"},
    "refunded": {"en": "refunded", "es": "reembolsado", "pt": "reembolsado", "id": "sudah dikembalikan",
                 "zh": "已退款", "ar": "تم رده"},
    "completed": {"en": "completed", "es": "completado", "pt": "concluído", "id": "selesai", "zh": "已完成", "ar": "مكتمل"},
}


def say(key: str, lang: str, **values: Any) -> str:
    table = T.get(key) or P[key]
    template = table.get(lang) or table["en"]
    return template.format(**values)


def word(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    row = table.get(key)
    if row is None:
        return key.replace("_", " ")
    return row.get(lang) or row.get("en") or key
