"""Reply templates of the actions on orders, in the six reply languages. Wording only: every fact (items,
amounts, days, addresses, carriers) is a placeholder filled from the quote or the store's data."""

from __future__ import annotations

from typing import Any

A: dict[str, dict[str, str]] = {
    # --- what will happen, and the question -------------------------------------------------------------
    "confirm_cancel": {
        "en": "To confirm: I'll cancel order {oid} ({items}). {refund} will go back to the original payment method.",
        "es": "Para confirmar: cancelaré el pedido {oid} ({items}). Se devolverán {refund} al método de pago original.",
        "pt": "Para confirmar: vou cancelar o pedido {oid} ({items}). {refund} voltarão para o meio de pagamento original.",
        "id": "Konfirmasi: saya akan membatalkan pesanan {oid} ({items}). {refund} akan dikembalikan ke metode pembayaran awal.",
        "zh": "请确认:我将取消订单{oid}({items})。{refund}将退回原支付方式。",
        "ar": "للتأكيد: سألغي الطلب {oid} ({items}). سيُعاد مبلغ {refund} إلى وسيلة الدفع الأصلية.",
    },
    "confirm_change_address": {
        "en": "To confirm: order {oid} will be delivered to \"{address}\" ({country}) instead. Nothing else changes.",
        "es": "Para confirmar: el pedido {oid} se entregará en \"{address}\" ({country}). Nada más cambia.",
        "pt": "Para confirmar: o pedido {oid} será entregue em \"{address}\" ({country}). Nada mais muda.",
        "id": "Konfirmasi: pesanan {oid} akan dikirim ke \"{address}\" ({country}). Selain itu tidak ada yang berubah.",
        "zh": "请确认:订单{oid}将改为送到“{address}”({country}),其他不变。",
        "ar": "للتأكيد: سيُسلَّم الطلب {oid} إلى \"{address}\" ({country}) بدلاً من العنوان السابق. لا يتغير شيء آخر.",
    },
    "confirm_return": {
        "en": "To confirm: I'll open a return for order {oid}: {items}. Refund: {refund} to the original payment method, within {days} days of the return reaching us.{fee}{label}",
        "es": "Para confirmar: abriré una devolución del pedido {oid}: {items}. Reembolso: {refund} al método de pago original, en {days} días desde que recibamos la devolución.{fee}{label}",
        "pt": "Para confirmar: vou abrir uma devolução do pedido {oid}: {items}. Reembolso: {refund} no meio de pagamento original, em até {days} dias após recebermos a devolução.{fee}{label}",
        "id": "Konfirmasi: saya akan membuka retur untuk pesanan {oid}: {items}. Refund: {refund} ke metode pembayaran awal, dalam {days} hari setelah barang retur kami terima.{fee}{label}",
        "zh": "请确认:我将为订单{oid}办理退货:{items}。退款:{refund}退回原支付方式,在我们收到退货后{days}天内完成。{fee}{label}",
        "ar": "للتأكيد: سأفتح طلب إرجاع للطلب {oid}: {items}. الاسترداد: {refund} إلى وسيلة الدفع الأصلية خلال {days} أيام من وصول المرتجع إلينا.{fee}{label}",
    },
    "confirm_exchange": {
        "en": "To confirm: I'll request an exchange of {item} from order {oid} for {to}, with no refund and no charge. Stock is counted per product, not per size or colour: {stock} of this product are in stock, and the team confirms {to} when it handles the exchange.{label}",
        "es": "Para confirmar: solicitaré el cambio de {item} del pedido {oid} por {to}, sin reembolso ni cargo. El stock se cuenta por producto, no por talla o color: hay {stock} unidades de este producto, y el equipo confirmará {to} al gestionar el cambio.{label}",
        "pt": "Para confirmar: vou pedir a troca de {item} do pedido {oid} por {to}, sem reembolso nem cobrança. O estoque é contado por produto, não por tamanho ou cor: há {stock} unidades deste produto, e a equipe confirma {to} ao processar a troca.{label}",
        "id": "Konfirmasi: saya akan mengajukan penukaran {item} dari pesanan {oid} dengan {to}, tanpa refund dan tanpa biaya. Stok dihitung per produk, bukan per ukuran atau warna: ada {stock} unit produk ini, dan tim akan memastikan {to} saat memproses penukaran.{label}",
        "zh": "请确认:我将为订单{oid}中的{item}申请换成{to},不退款也不另收费。库存按商品计算,不区分尺码或颜色:该商品现有{stock}件,团队处理换货时会确认{to}是否有货。{label}",
        "ar": "للتأكيد: سأطلب استبدال {item} من الطلب {oid} بـ {to}، دون استرداد أو رسوم. يُحسب المخزون لكل منتج وليس لكل مقاس أو لون: يتوفر {stock} من هذا المنتج، وسيؤكد الفريق توفر {to} عند معالجة الاستبدال.{label}",
    },
    "confirm_resend_tracking": {
        "en": "I'll send the tracking details of order {oid} again to the e-mail address on the order: {carrier}, tracking number {tracking}.",
        "es": "Volveré a enviar los datos de seguimiento del pedido {oid} al correo del pedido: {carrier}, número de seguimiento {tracking}.",
        "pt": "Vou reenviar os dados de rastreio do pedido {oid} para o e-mail do pedido: {carrier}, código de rastreio {tracking}.",
        "id": "Saya akan mengirim ulang detail pelacakan pesanan {oid} ke email pesanan: {carrier}, nomor resi {tracking}.",
        "zh": "我将把订单{oid}的物流信息重新发送到下单邮箱:{carrier},运单号{tracking}。",
        "ar": "سأعيد إرسال بيانات تتبع الطلب {oid} إلى البريد الإلكتروني للطلب: {carrier}، رقم التتبع {tracking}.",
    },
    "ask_yes_no": {
        "en": " Shall I go ahead? Please answer yes or no.", "es": " ¿Lo hago? Responda sí o no.",
        "pt": " Posso prosseguir? Responda sim ou não.", "id": " Lanjutkan? Mohon jawab ya atau tidak.",
        "zh": "要继续吗?请回答“是”或“否”。", "ar": " هل أتابع؟ يرجى الإجابة بنعم أو لا.",
    },
    "fee": {
        "en": " A restocking fee of {fee} is kept.", "es": " Se retiene una tarifa de reposición de {fee}.",
        "pt": " Uma taxa de reposição de {fee} é retida.", "id": " Biaya restocking sebesar {fee} dipotong.",
        "zh": "将扣除{fee}的重新入库费。", "ar": " تُخصم رسوم إعادة تخزين قدرها {fee}.",
    },
    "label_store": {
        "en": " You'll get a prepaid return label.", "es": " Recibirá una etiqueta de devolución prepagada.",
        "pt": " Você receberá uma etiqueta de devolução pré-paga.", "id": " Anda akan mendapat label retur prabayar.",
        "zh": "您将收到一张预付退货运单。", "ar": " ستحصل على ملصق إرجاع مدفوع مسبقاً.",
    },
    "label_customer": {
        "en": " You pay the return shipping.", "es": " El envío de la devolución corre por su cuenta.",
        "pt": " O frete da devolução é por sua conta.", "id": " Ongkos kirim retur ditanggung Anda.",
        "zh": "退货运费由您承担。", "ar": " تكلفة شحن الإرجاع على حسابك.",
    },
    "excluded": {
        "en": " Not included: {items} ({why}).", "es": " No se incluye: {items} ({why}).",
        "pt": " Não incluído: {items} ({why}).", "id": " Tidak termasuk: {items} ({why}).",
        "zh": "不包括:{items}({why})。", "ar": " غير مشمول: {items} ({why}).",
    },
    # --- done ------------------------------------------------------------------------------------------
    "done_cancel": {
        "en": "Done: order {oid} is cancelled. {refund} goes back to the original payment method.",
        "es": "Listo: el pedido {oid} está cancelado. Se devuelven {refund} al método de pago original.",
        "pt": "Pronto: o pedido {oid} foi cancelado. {refund} voltam para o meio de pagamento original.",
        "id": "Selesai: pesanan {oid} sudah dibatalkan. {refund} dikembalikan ke metode pembayaran awal.",
        "zh": "已完成:订单{oid}已取消,{refund}将退回原支付方式。",
        "ar": "تم: أُلغي الطلب {oid}. سيُعاد مبلغ {refund} إلى وسيلة الدفع الأصلية.",
    },
    "done_change_address": {
        "en": "Done: order {oid} will be delivered to \"{address}\".",
        "es": "Listo: el pedido {oid} se entregará en \"{address}\".",
        "pt": "Pronto: o pedido {oid} será entregue em \"{address}\".",
        "id": "Selesai: pesanan {oid} akan dikirim ke \"{address}\".",
        "zh": "已完成:订单{oid}将送到“{address}”。", "ar": "تم: سيُسلَّم الطلب {oid} إلى \"{address}\".",
    },
    "done_return": {
        "en": "Done: return {rma} for order {oid} is open. The refund of {refund} goes to the original payment method within {days} days of the return reaching us.{label}",
        "es": "Listo: la devolución {rma} del pedido {oid} está abierta. El reembolso de {refund} irá al método de pago original en {days} días desde que la recibamos.{label}",
        "pt": "Pronto: a devolução {rma} do pedido {oid} está aberta. O reembolso de {refund} vai para o meio de pagamento original em até {days} dias após recebermos.{label}",
        "id": "Selesai: retur {rma} untuk pesanan {oid} sudah dibuka. Refund {refund} ke metode pembayaran awal dalam {days} hari setelah barang kami terima.{label}",
        "zh": "已完成:订单{oid}的退货单{rma}已创建。收到退货后{days}天内,{refund}将退回原支付方式。{label}",
        "ar": "تم: فُتح طلب الإرجاع {rma} للطلب {oid}. يُعاد مبلغ {refund} إلى وسيلة الدفع الأصلية خلال {days} أيام من وصول المرتجع.{label}",
    },
    "done_exchange": {
        "en": "Done: exchange request {rma} for order {oid} ({to}) is open; the team confirms it and tells you the next step.{label}",
        "es": "Listo: la solicitud de cambio {rma} del pedido {oid} ({to}) está abierta; el equipo la confirmará y le indicará el siguiente paso.{label}",
        "pt": "Pronto: o pedido de troca {rma} do pedido {oid} ({to}) está aberto; a equipe confirma e informa o próximo passo.{label}",
        "id": "Selesai: permintaan penukaran {rma} untuk pesanan {oid} ({to}) sudah dibuka; tim akan mengonfirmasi dan memberi tahu langkah berikutnya.{label}",
        "zh": "已完成:订单{oid}的换货申请{rma}({to})已创建,团队确认后会告知下一步。{label}",
        "ar": "تم: فُتح طلب الاستبدال {rma} للطلب {oid} ({to})؛ سيؤكده الفريق ويخبرك بالخطوة التالية.{label}",
    },
    "done_label": {
        "en": " Return label: {label}.", "es": " Etiqueta de devolución: {label}.", "pt": " Etiqueta de devolução: {label}.",
        "id": " Label retur: {label}.", "zh": "退货运单:{label}。", "ar": " ملصق الإرجاع: {label}.",
    },
    "done_resend_tracking": {
        "en": "Done: the tracking details of order {oid} are being sent to the e-mail on the order. Here they are too: {carrier}, tracking number {tracking}.",
        "es": "Listo: los datos de seguimiento del pedido {oid} se envían al correo del pedido. Aquí los tiene también: {carrier}, número de seguimiento {tracking}.",
        "pt": "Pronto: os dados de rastreio do pedido {oid} estão sendo enviados ao e-mail do pedido. Aqui estão também: {carrier}, código {tracking}.",
        "id": "Selesai: detail pelacakan pesanan {oid} sedang dikirim ke email pesanan. Ini juga datanya: {carrier}, nomor resi {tracking}.",
        "zh": "已完成:订单{oid}的物流信息正在发送到下单邮箱。信息如下:{carrier},运单号{tracking}。",
        "ar": "تم: تُرسل بيانات تتبع الطلب {oid} إلى البريد الإلكتروني للطلب. وهذه هي أيضاً: {carrier}، رقم التتبع {tracking}.",
    },
    "declined": {
        "en": "OK, I haven't changed anything.", "es": "De acuerdo, no he cambiado nada.", "pt": "Tudo bem, não alterei nada.",
        "id": "Baik, saya tidak mengubah apa pun.", "zh": "好的,我没有做任何更改。", "ar": "حسناً، لم أغيّر شيئاً.",
    },
    # --- asking for what is missing ---------------------------------------------------------------------
    "ask_order": {
        "en": "Which order is it? Please give me the order number.", "es": "¿De qué pedido se trata? Indíqueme el número de pedido.",
        "pt": "De qual pedido se trata? Informe o número do pedido.", "id": "Pesanan yang mana? Mohon sebutkan nomor pesanannya.",
        "zh": "是哪个订单?请告诉我订单号。", "ar": "ما هو الطلب؟ يرجى تزويدي برقم الطلب.",
    },
    "ask_address": {
        "en": "What is the new delivery address for order {oid} (street and number, city, postal code, in {country})?",
        "es": "¿Cuál es la nueva dirección de entrega del pedido {oid} (calle y número, ciudad, código postal, en {country})?",
        "pt": "Qual é o novo endereço de entrega do pedido {oid} (rua e número, cidade, CEP, em {country})?",
        "id": "Apa alamat pengiriman baru untuk pesanan {oid} (jalan dan nomor, kota, kode pos, di {country})?",
        "zh": "订单{oid}的新收货地址是什么(街道门牌、城市、邮编,需在{country}境内)?",
        "ar": "ما عنوان التسليم الجديد للطلب {oid} (الشارع والرقم، المدينة، الرمز البريدي، داخل {country})؟",
    },
    "ask_variant": {
        "en": "Which size or colour would you like instead? {name} comes in: {offered}.",
        "es": "¿Qué talla o color prefiere? {name} está disponible en: {offered}.",
        "pt": "Qual tamanho ou cor você prefere? {name} está disponível em: {offered}.",
        "id": "Ukuran atau warna apa yang Anda inginkan? {name} tersedia dalam: {offered}.",
        "zh": "您想换成哪个尺码或颜色?{name}可选:{offered}。", "ar": "ما المقاس أو اللون الذي تريده بدلاً منه؟ {name} متوفر بـ: {offered}.",
    },
    "ask_item": {
        "en": "Which item of order {oid} should I exchange: {items}?", "es": "¿Qué artículo del pedido {oid} quiere cambiar: {items}?",
        "pt": "Qual item do pedido {oid} você quer trocar: {items}?", "id": "Barang mana dari pesanan {oid} yang ingin ditukar: {items}?",
        "zh": "订单{oid}中您要换哪件商品:{items}?", "ar": "أي منتج من الطلب {oid} تريد استبداله: {items}؟",
    },
    # --- why not, and a person ----------------------------------------------------------------------------
    "offer_person": {
        "en": " Would you like me to pass this to a person on our team? (yes/no)",
        "es": " ¿Quiere que pase esto a una persona de nuestro equipo? (sí/no)",
        "pt": " Quer que eu passe isto para uma pessoa da nossa equipe? (sim/não)",
        "id": " Apakah Anda ingin saya teruskan ke staf kami? (ya/tidak)",
        "zh": "需要我转给我们团队的工作人员吗?(是/否)", "ar": " هل تريد أن أحيل هذا إلى أحد أفراد فريقنا؟ (نعم/لا)",
    },
    "not_your_order": {
        "en": "I can't find order {oid} on your account, so I can't change it.",
        "es": "No encuentro el pedido {oid} en su cuenta, así que no puedo modificarlo.",
        "pt": "Não encontro o pedido {oid} na sua conta, então não posso alterá-lo.",
        "id": "Saya tidak menemukan pesanan {oid} di akun Anda, jadi saya tidak bisa mengubahnya.",
        "zh": "您的账户中没有订单{oid},因此我无法更改它。", "ar": "لا أجد الطلب {oid} في حسابك، لذا لا يمكنني تعديله.",
    },
    "already_shipped": {
        "en": "Order {oid} has already shipped and is with the carrier, so it can no longer be cancelled or redirected.",
        "es": "El pedido {oid} ya se envió y está con la paquetería, así que ya no se puede cancelar ni cambiar de dirección.",
        "pt": "O pedido {oid} já foi enviado e está com a transportadora, então não pode mais ser cancelado nem ter o endereço alterado.",
        "id": "Pesanan {oid} sudah dikirim dan ada di kurir, jadi tidak bisa lagi dibatalkan atau diubah alamatnya.",
        "zh": "订单{oid}已发货,包裹已在承运商手中,无法再取消或更改地址。",
        "ar": "تم شحن الطلب {oid} وهو الآن لدى شركة الشحن، لذا لم يعد من الممكن إلغاؤه أو تغيير عنوانه.",
    },
    "not_shipped_yet": {
        "en": "Order {oid} hasn't shipped yet, so there is nothing to send back yet; it can still be cancelled instead.",
        "es": "El pedido {oid} aún no se ha enviado, así que todavía no hay nada que devolver; en su lugar aún se puede cancelar.",
        "pt": "O pedido {oid} ainda não foi enviado, então ainda não há nada para devolver; em vez disso, ele ainda pode ser cancelado.",
        "id": "Pesanan {oid} belum dikirim, jadi belum ada yang bisa diretur; pesanan ini masih bisa dibatalkan.",
        "zh": "订单{oid}尚未发货,暂时无需退货;您仍可以取消该订单。",
        "ar": "لم يُشحن الطلب {oid} بعد، فلا يوجد ما يُرجع الآن؛ لا يزال من الممكن إلغاؤه بدلاً من ذلك.",
    },
    "not_shipped_yet_tracking": {
        "en": "Order {oid} hasn't shipped yet, so it has no tracking number yet.",
        "es": "El pedido {oid} aún no se ha enviado, así que todavía no tiene número de seguimiento.",
        "pt": "O pedido {oid} ainda não foi enviado, então ainda não tem código de rastreio.",
        "id": "Pesanan {oid} belum dikirim, jadi belum ada nomor resi.", "zh": "订单{oid}尚未发货,暂无运单号。",
        "ar": "لم يُشحن الطلب {oid} بعد، لذا لا يوجد له رقم تتبع حتى الآن.",
    },
    "not_delivered": {
        "en": "Order {oid} hasn't been delivered yet ({status}); a return or exchange can start once it arrives.",
        "es": "El pedido {oid} aún no se ha entregado ({status}); la devolución o el cambio se pueden iniciar cuando llegue.",
        "pt": "O pedido {oid} ainda não foi entregue ({status}); a devolução ou troca pode começar quando ele chegar.",
        "id": "Pesanan {oid} belum diterima ({status}); retur atau penukaran bisa dimulai setelah barang sampai.",
        "zh": "订单{oid}尚未送达({status}),送达后才能办理退换货。",
        "ar": "لم يُسلَّم الطلب {oid} بعد ({status})؛ يمكن بدء الإرجاع أو الاستبدال بعد وصوله.",
    },
    "window_passed": {
        "en": "Order {oid} was delivered on {delivered}; the {days}-day window for this ended on {deadline}.",
        "es": "El pedido {oid} se entregó el {delivered}; el plazo de {days} días para esto terminó el {deadline}.",
        "pt": "O pedido {oid} foi entregue em {delivered}; o prazo de {days} dias para isso terminou em {deadline}.",
        "id": "Pesanan {oid} diterima pada {delivered}; batas waktu {days} hari untuk ini berakhir pada {deadline}.",
        "zh": "订单{oid}于{delivered}送达,{days}天的期限已于{deadline}结束。",
        "ar": "سُلّم الطلب {oid} في {delivered}؛ وانتهت مهلة الـ{days} يوماً لذلك في {deadline}.",
    },
    "non_returnable": {
        "en": "{items} can't be returned ({why}).", "es": "{items} no se puede devolver ({why}).",
        "pt": "{items} não pode ser devolvido ({why}).", "id": "{items} tidak dapat diretur ({why}).",
        "zh": "{items}不支持退货({why})。", "ar": "لا يمكن إرجاع {items} ({why}).",
    },
    "out_of_stock": {
        "en": "{name} is out of stock right now{restock}, so I can't request the exchange.",
        "es": "{name} está agotado ahora mismo{restock}, así que no puedo solicitar el cambio.",
        "pt": "{name} está esgotado no momento{restock}, então não posso pedir a troca.",
        "id": "{name} sedang habis{restock}, jadi saya tidak bisa mengajukan penukaran.",
        "zh": "{name}目前缺货{restock},因此无法申请换货。", "ar": "{name} غير متوفر حالياً{restock}، لذا لا يمكنني طلب الاستبدال.",
    },
    "restock": {
        "en": " (expected back {date})", "es": " (se espera el {date})", "pt": " (previsto para {date})",
        "id": " (diperkirakan tersedia {date})", "zh": "(预计{date}补货)", "ar": " (متوقع في {date})",
    },
    "not_same_product": {
        "en": "An exchange is for another size or colour of the same product: {name} comes in {offered}, not \"{to}\".",
        "es": "El cambio es por otra talla o color del mismo producto: {name} está disponible en {offered}, no en \"{to}\".",
        "pt": "A troca é por outro tamanho ou cor do mesmo produto: {name} está disponível em {offered}, não em \"{to}\".",
        "id": "Penukaran hanya untuk ukuran atau warna lain dari produk yang sama: {name} tersedia dalam {offered}, bukan \"{to}\".",
        "zh": "换货仅限同一商品的其他尺码或颜色:{name}可选{offered},没有“{to}”。",
        "ar": "الاستبدال يكون بمقاس أو لون آخر من المنتج نفسه: {name} متوفر بـ {offered}، وليس \"{to}\".",
    },
    "no_tracking": {
        "en": "Order {oid} has no tracking number on file.", "es": "El pedido {oid} no tiene número de seguimiento registrado.",
        "pt": "O pedido {oid} não tem código de rastreio registrado.", "id": "Pesanan {oid} tidak memiliki nomor resi.",
        "zh": "订单{oid}没有登记运单号。", "ar": "لا يوجد رقم تتبع مسجل للطلب {oid}.",
    },
    "already_cancelled": {
        "en": "Order {oid} is already cancelled.", "es": "El pedido {oid} ya está cancelado.", "pt": "O pedido {oid} já está cancelado.",
        "id": "Pesanan {oid} sudah dibatalkan.", "zh": "订单{oid}已经取消。", "ar": "الطلب {oid} ملغى بالفعل.",
    },
    "already_returned": {
        "en": "A return for order {oid} has already been started or completed.",
        "es": "Ya se inició o completó una devolución del pedido {oid}.",
        "pt": "Uma devolução do pedido {oid} já foi iniciada ou concluída.",
        "id": "Retur untuk pesanan {oid} sudah dimulai atau selesai.", "zh": "订单{oid}的退货已发起或已完成。",
        "ar": "بدأ أو اكتمل بالفعل إرجاع للطلب {oid}.",
    },
    "country_change": {
        "en": "Order {oid} ships to {country}. I can only change the address within that country: shipping and duties were set for it at checkout.",
        "es": "El pedido {oid} se envía a {country}. Solo puedo cambiar la dirección dentro de ese país: el envío y los impuestos se fijaron para él al pagar.",
        "pt": "O pedido {oid} vai para {country}. Só posso mudar o endereço dentro desse país: frete e impostos foram definidos para ele na compra.",
        "id": "Pesanan {oid} dikirim ke {country}. Saya hanya bisa mengubah alamat di negara yang sama: ongkir dan pajak ditetapkan untuk negara itu saat checkout.",
        "zh": "订单{oid}寄往{country}。我只能在该国家内更改地址:运费和税费在下单时按该国家计算。",
        "ar": "يُشحن الطلب {oid} إلى {country}. يمكنني تغيير العنوان داخل هذا البلد فقط: فقد حُددت تكلفة الشحن والرسوم له عند الدفع.",
    },
    "unavailable": {
        "en": "I can't make changes to orders from here, so I'm handing this to our support team with everything said so far.",
        "es": "Desde aquí no puedo modificar pedidos, así que paso esto a nuestro equipo de atención con todo lo que hablamos.",
        "pt": "Daqui não consigo alterar pedidos, então estou passando isto para a nossa equipe de atendimento com tudo o que falamos.",
        "id": "Saya tidak bisa mengubah pesanan dari sini, jadi saya teruskan ke tim layanan pelanggan beserta semua yang sudah dibahas.",
        "zh": "我在这里无法修改订单,因此会把此事连同对话内容转给我们的客服团队。",
        "ar": "لا يمكنني تعديل الطلبات من هنا، لذا سأحيل هذا إلى فريق الدعم مع كل ما قيل حتى الآن.",
    },
    "failed": {
        "en": "Something went wrong while doing that, and nothing was changed. I'm handing this to our support team.",
        "es": "Algo falló al hacerlo y no se cambió nada. Paso esto a nuestro equipo de atención.",
        "pt": "Algo deu errado ao fazer isso e nada foi alterado. Estou passando isto para a nossa equipe de atendimento.",
        "id": "Terjadi kesalahan dan tidak ada yang berubah. Saya teruskan ke tim layanan pelanggan.",
        "zh": "处理时出错,未做任何更改。我会转给我们的客服团队。", "ar": "حدث خطأ أثناء ذلك ولم يتغير شيء. سأحيل هذا إلى فريق الدعم.",
    },
}

# why an item cannot go back (the store's non-returnable rule's ``reason``)
WHY: dict[str, dict[str, str]] = {
    "hygiene": {"en": "hygiene", "es": "por higiene", "pt": "por higiene", "id": "alasan kebersihan", "zh": "卫生原因",
                "ar": "لأسباب صحية"},
    "safety": {"en": "safety", "es": "por seguridad", "pt": "por segurança", "id": "alasan keamanan", "zh": "安全原因",
               "ar": "لأسباب تتعلق بالسلامة"},
    "final_sale": {"en": "final sale", "es": "venta final", "pt": "venda final", "id": "penjualan final", "zh": "最终销售",
                   "ar": "بيع نهائي"},
    "custom_made": {"en": "made to order", "es": "hecho a medida", "pt": "feito sob encomenda", "id": "dibuat khusus",
                    "zh": "定制商品", "ar": "مصنوع حسب الطلب"},
    "window_passed": {"en": "return window passed", "es": "fuera de plazo", "pt": "fora do prazo", "id": "lewat batas waktu",
                      "zh": "已过退货期限", "ar": "انتهت مهلة الإرجاع"},
    "already_returned": {"en": "already in a return", "es": "ya en devolución", "pt": "já em devolução",
                         "id": "sudah diretur", "zh": "已在退货中", "ar": "قيد الإرجاع بالفعل"},
    "other": {"en": "store policy", "es": "política de la tienda", "pt": "política da loja", "id": "kebijakan toko",
              "zh": "店铺政策", "ar": "سياسة المتجر"},
}


def asay(key: str, lang: str, **values: Any) -> str:
    table = A[key]
    return (table.get(lang) or table["en"]).format(**values)


def why(reason: str | None, lang: str) -> str:
    row = WHY.get(reason or "other") or WHY["other"]
    return row.get(lang) or row["en"]
