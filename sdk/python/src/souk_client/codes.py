"""Error classes by code, generated from the OpenAPI document by sdk/python/tools/generate.py.

Over 500 lines because: generated, one class per documented error code; do not edit by hand.
``except UnknownRoom`` catches that code only; each class also derives from its status's class
(``UnknownRoom`` is a ``NotFound``), so broader handlers keep working.
"""
# Over 500 lines because: generated

from __future__ import annotations

from souk_client import errors as e


class AdminOnly(e.Forbidden):
    """403 ``admin_only``"""


class AgentFull(e.Conflict):
    """409 ``agent_full``"""


class AgentNotFound(e.NotFound):
    """404 ``agent_not_found``"""


class AgentNotOnline(e.Conflict):
    """409 ``agent_not_online``"""


class AiDeclined(e.Forbidden):
    """403 ``ai_declined``"""


class AlreadyJoined(e.Conflict):
    """409 ``already_joined``"""


class AlreadyOnStage(e.Conflict):
    """409 ``already_on_stage``"""


class AlreadyQueued(e.Conflict):
    """409 ``already_queued``"""


class AlreadySeated(e.Conflict):
    """409 ``already_seated``"""


class ApiKeyInvalid(e.Unauthenticated):
    """401 ``api_key_invalid``"""


class ApiKeyMissing(e.Unauthenticated):
    """401 ``api_key_missing``"""


class ApiKeyNotFound(e.NotFound):
    """404 ``api_key_not_found``"""


class AssistantBusy(e.Unavailable):
    """503 ``assistant_busy``"""


class AssistantTimeout(e.Timeout):
    """504 ``assistant_timeout``"""


class AssistantUnavailable(e.Unavailable):
    """503 ``assistant_unavailable``"""


class BadApiKey(e.Unauthenticated):
    """401 ``bad_api_key``"""


class BadBody(e.BadRequest):
    """400 ``bad_body``"""


class BadCart(e.BadRequest):
    """400 ``bad_cart``"""


class BadCoupon(e.BadRequest):
    """400 ``bad_coupon``"""


class BadDeskSettings(e.BadRequest):
    """400 ``bad_desk_settings``"""


class BadEvents(e.BadRequest):
    """400 ``bad_events``"""


class BadGroupBuy(e.BadRequest):
    """400 ``bad_group_buy``"""


class BadHandoffRule(e.BadRequest):
    """400 ``bad_handoff_rule``"""


class BadImage(e.BadRequest):
    """400 ``bad_image``"""


class BadJson(e.BadRequest):
    """400 ``bad_json``"""


class BadMerchant(e.Unprocessable):
    """422 ``bad_merchant``"""


class BadPk(e.Conflict):
    """409 ``bad_pk``"""


class BadPrivilege(e.BadRequest):
    """400 ``bad_privilege``"""


class BadProduct(e.BadRequest):
    """400 ``bad_product``"""


class BadReport(e.BadRequest):
    """400 ``bad_report``"""


class BadRoom(e.BadRequest):
    """400 ``bad_room``"""


class BadSale(e.BadRequest):
    """400 ``bad_sale``"""


class BadSla(e.BadRequest):
    """400 ``bad_sla``"""


class BadSubject(e.BadRequest):
    """400 ``bad_subject``"""


class BadTransfer(e.BadRequest):
    """400 ``bad_transfer``"""


class BadTtl(e.BadRequest):
    """400 ``bad_ttl``"""


class Banned(e.Forbidden):
    """403 ``banned``"""


class BodyTooLarge(e.TooLarge):
    """413 ``body_too_large``"""


class CallActive(e.Conflict):
    """409 ``call_active``"""


class CallEnded(e.Conflict):
    """409 ``call_ended``"""


class CallFinished(e.Conflict):
    """409 ``call_finished``"""


class CallInProgress(e.Conflict):
    """409 ``call_in_progress``"""


class CallNotRinging(e.Conflict):
    """409 ``call_not_ringing``"""


class CannedIdTaken(e.Conflict):
    """409 ``canned_id_taken``"""


class CapacityBelowLoad(e.Conflict):
    """409 ``capacity_below_load``"""


class CaptionsBusy(e.Unavailable):
    """503 ``captions_busy``"""


class CaptionsUnavailable(e.Unavailable):
    """503 ``captions_unavailable``"""


class CartEmpty(e.Conflict):
    """409 ``cart_empty``"""


class CartFull(e.TooLarge):
    """413 ``cart_full``"""


class CartQtyLimit(e.TooLarge):
    """413 ``cart_qty_limit``"""


class ChannelRateLimited(e.RateLimited):
    """429 ``channel_rate_limited``"""


class ConfirmationMismatch(e.Conflict):
    """409 ``confirmation_mismatch``"""


class ConsentRequired(e.Conflict):
    """409 ``consent_required``"""


class ConversationClosed(e.Conflict):
    """409 ``conversation_closed``"""


class ConversationNotFound(e.NotFound):
    """404 ``conversation_not_found``"""


class CouponExhausted(e.Conflict):
    """409 ``coupon_exhausted``"""


class CouponExists(e.Conflict):
    """409 ``coupon_exists``"""


class CouponExpired(e.Conflict):
    """409 ``coupon_expired``"""


class CouponInvalid(e.Conflict):
    """409 ``coupon_invalid``"""


class CouponMinSpend(e.Conflict):
    """409 ``coupon_min_spend``"""


class CouponUsed(e.Conflict):
    """409 ``coupon_used``"""


class CsatBeforeClose(e.Conflict):
    """409 ``csat_before_close``"""


class CsatGiven(e.Conflict):
    """409 ``csat_given``"""


class DemoDisabled(e.NotFound):
    """404 ``demo_disabled``"""


class DeskUnavailable(e.Unavailable):
    """503 ``desk_unavailable``"""


class EmptyImage(e.BadRequest):
    """400 ``empty_image``"""


class EmptyText(e.BadRequest):
    """400 ``empty_text``"""


class EventsAuthFailed(e.Unauthenticated):
    """401 ``events_auth_failed``"""


class GroupBuyEnded(e.Conflict):
    """409 ``group_buy_ended``"""


class GroupBuyFull(e.Conflict):
    """409 ``group_buy_full``"""


class GroupBuyNotFound(e.NotFound):
    """404 ``group_buy_not_found``"""


class HandsFull(e.Conflict):
    """409 ``hands_full``"""


class HostOnly(e.Forbidden):
    """403 ``host_only``"""


class ImageDimensionsTooLarge(e.TooLarge):
    """413 ``image_dimensions_too_large``"""


class ImageTooLarge(e.TooLarge):
    """413 ``image_too_large``"""


class InvalidRequest(e.Unprocessable):
    """422 ``invalid_request``"""


class InviteOnly(e.Forbidden):
    """403 ``invite_only``"""


class InvitesFull(e.Conflict):
    """409 ``invites_full``"""


class KeywordBlocked(e.Forbidden):
    """403 ``keyword_blocked``"""


class ListenerOnly(e.Forbidden):
    """403 ``listener_only``"""


class LockedOut(e.RateLimited):
    """429 ``locked_out``"""


class MediaUnavailable(e.Unavailable):
    """503 ``media_unavailable``"""


class MerchantExists(e.Conflict):
    """409 ``merchant_exists``"""


class MerchantNotFound(e.NotFound):
    """404 ``merchant_not_found``"""


class MessageTooLarge(e.TooLarge):
    """413 ``message_too_large``"""


class Muted(e.Forbidden):
    """403 ``muted``"""


class NoHand(e.NotFound):
    """404 ``no_hand``"""


class NoInvite(e.Conflict):
    """409 ``no_invite``"""


class NoPkInvite(e.NotFound):
    """404 ``no_pk_invite``"""


class NoProducts(e.NotFound):
    """404 ``no_products``"""


class NoShipping(e.Conflict):
    """409 ``no_shipping``"""


class NoSuchSeat(e.Conflict):
    """409 ``no_such_seat``"""


class NoVideoOffer(e.Conflict):
    """409 ``no_video_offer``"""


class NotAChapter(e.Forbidden):
    """403 ``not_a_chapter``"""


class NotAssigned(e.Conflict):
    """409 ``not_assigned``"""


class NotEnoughStock(e.Conflict):
    """409 ``not_enough_stock``"""


class NotGroupCall(e.Conflict):
    """409 ``not_group_call``"""


class NotHost(e.Forbidden):
    """403 ``not_host``"""


class NotLinked(e.NotFound):
    """404 ``not_linked``"""


class NotLiveRoom(e.Conflict):
    """409 ``not_live_room``"""


class NotOnStage(e.NotFound):
    """404 ``not_on_stage``"""


class NotPinned(e.Conflict):
    """409 ``not_pinned``"""


class NotPublishing(e.Conflict):
    """409 ``not_publishing``"""


class NotQueued(e.Conflict):
    """409 ``not_queued``"""


class NotSeated(e.Conflict):
    """409 ``not_seated``"""


class NotWithHumans(e.Conflict):
    """409 ``not_with_humans``"""


class NotYourConversation(e.Forbidden):
    """403 ``not_your_conversation``"""


class OperatorDisabled(e.NotFound):
    """404 ``operator_disabled``"""


class OperatorTokenInvalid(e.Unauthenticated):
    """401 ``operator_token_invalid``"""


class OrderExists(e.Conflict):
    """409 ``order_exists``"""


class OrderNotFound(e.NotFound):
    """404 ``order_not_found``"""


class OutOfStock(e.Conflict):
    """409 ``out_of_stock``"""


class PhotoUnavailable(e.Unavailable):
    """503 ``photo_unavailable``"""


class PhotoWithPerson(e.Conflict):
    """409 ``photo_with_person``"""


class PkBusy(e.Conflict):
    """409 ``pk_busy``"""


class PrivilegeMissing(e.Forbidden):
    """403 ``privilege_missing``"""


class ProductNotFound(e.NotFound):
    """404 ``product_not_found``"""


class RecordingNotFound(e.NotFound):
    """404 ``recording_not_found``"""


class RecordingUnavailable(e.Unavailable):
    """503 ``recording_unavailable``"""


class RemoveSelf(e.Conflict):
    """409 ``remove_self``"""


class ReplayMediaNotFound(e.NotFound):
    """404 ``replay_media_not_found``"""


class ReportTooLarge(e.TooLarge):
    """413 ``report_too_large``"""


class ReservedRoomId(e.BadRequest):
    """400 ``reserved_room_id``"""


class RevokeWhat(e.BadRequest):
    """400 ``revoke_what``"""


class RoomClosed(e.Conflict):
    """409 ``room_closed``"""


class RoomElsewhere(e.Conflict):
    """409 ``room_elsewhere``"""


class RoomEnded(e.Conflict):
    """409 ``room_ended``"""


class RoomExists(e.Conflict):
    """409 ``room_exists``"""


class RoomNotFound(e.NotFound):
    """404 ``room_not_found``"""


class RtmUnavailable(e.Unavailable):
    """503 ``rtm_unavailable``"""


class SaleEnded(e.Conflict):
    """409 ``sale_ended``"""


class SaleNotFound(e.NotFound):
    """404 ``sale_not_found``"""


class SaleSoldOut(e.Conflict):
    """409 ``sale_sold_out``"""


class ScreenBusy(e.Conflict):
    """409 ``screen_busy``"""


class ScreenOfScreen(e.Conflict):
    """409 ``screen_of_screen``"""


class SeatLocked(e.Conflict):
    """409 ``seat_locked``"""


class SeatTaken(e.Conflict):
    """409 ``seat_taken``"""


class SeatsBusy(e.Unavailable):
    """503 ``seats_busy``"""


class SeatsFull(e.Conflict):
    """409 ``seats_full``"""


class SeatsOccupied(e.Conflict):
    """409 ``seats_occupied``"""


class ShopperOffline(e.Conflict):
    """409 ``shopper_offline``"""


class ShopperOnly(e.Forbidden):
    """403 ``shopper_only``"""


class ShowNotLive(e.Conflict):
    """409 ``show_not_live``"""


class ShuttingDown(e.Conflict):
    """409 ``shutting_down``"""


class SlowMode(e.RateLimited):
    """429 ``slow_mode``"""


class StaffOnly(e.Forbidden):
    """403 ``staff_only``"""


class StageFull(e.Conflict):
    """409 ``stage_full``"""


class StageUnavailable(e.Unavailable):
    """503 ``stage_unavailable``"""


class StoreInvalid(e.Unprocessable):
    """422 ``store_invalid``"""


class TextAndCanned(e.Conflict):
    """409 ``text_and_canned``"""


class TextTooLong(e.TooLarge):
    """413 ``text_too_long``"""


class TimelineFull(e.TooLarge):
    """413 ``timeline_full``"""


class TokenInvalid(e.Unauthenticated):
    """401 ``token_invalid``"""


class TokenMissing(e.Unauthenticated):
    """401 ``token_missing``"""


class TokenNotFound(e.NotFound):
    """404 ``token_not_found``"""


class TooManyCannedReplies(e.TooLarge):
    """413 ``too_many_canned_replies``"""


class TooManyCaptionLanguages(e.TooLarge):
    """413 ``too_many_caption_languages``"""


class TooManyHands(e.TooLarge):
    """413 ``too_many_hands``"""


class TooManyInvites(e.TooLarge):
    """413 ``too_many_invites``"""


class TooManyPins(e.TooLarge):
    """413 ``too_many_pins``"""


class TooManySessions(e.RateLimited):
    """429 ``too_many_sessions``"""


class TooManyShows(e.Unavailable):
    """503 ``too_many_shows``"""


class TooManyViewers(e.TooLarge):
    """413 ``too_many_viewers``"""


class TranslationUnavailable(e.Unavailable):
    """503 ``translation_unavailable``"""


class UnknownCall(e.NotFound):
    """404 ``unknown_call``"""


class UnknownCannedReply(e.NotFound):
    """404 ``unknown_canned_reply``"""


class UnknownConversation(e.NotFound):
    """404 ``unknown_conversation``"""


class UnknownCurrency(e.BadRequest):
    """400 ``unknown_currency``"""


class UnknownCustomer(e.NotFound):
    """404 ``unknown_customer``"""


class UnknownMerchant(e.NotFound):
    """404 ``unknown_merchant``"""


class UnknownProduct(e.NotFound):
    """404 ``unknown_product``"""


class UnknownRegion(e.BadRequest):
    """400 ``unknown_region``"""


class UnknownRoom(e.NotFound):
    """404 ``unknown_room``"""


class UnknownTextVersion(e.NotFound):
    """404 ``unknown_text_version``"""


class UnsupportedImageType(e.UnsupportedMedia):
    """415 ``unsupported_image_type``"""


class UserRateLimited(e.RateLimited):
    """429 ``user_rate_limited``"""


class ViewerOnly(e.Forbidden):
    """403 ``viewer_only``"""


class VoiceRoomEnded(e.Conflict):
    """409 ``voice_room_ended``"""


class VoiceRoomNotFound(e.NotFound):
    """404 ``voice_room_not_found``"""


class VoiceRoomsUnavailable(e.Unavailable):
    """503 ``voice_rooms_unavailable``"""


class WebhookDeliveryNotFound(e.NotFound):
    """404 ``webhook_delivery_not_found``"""


class WebhookDisabled(e.Conflict):
    """409 ``webhook_disabled``"""


class WebhookEndpointNotFound(e.NotFound):
    """404 ``webhook_endpoint_not_found``"""


class WebhookEvent(e.BadRequest):
    """400 ``webhook_event``"""


class WebhookLimit(e.Conflict):
    """409 ``webhook_limit``"""


class WebhookSecret(e.BadRequest):
    """400 ``webhook_secret``"""


class WebhookUrl(e.BadRequest):
    """400 ``webhook_url``"""


class WebhookUrlPrivate(e.BadRequest):
    """400 ``webhook_url_private``"""


class WebhooksUnavailable(e.Unavailable):
    """503 ``webhooks_unavailable``"""


class WrongRegion(e.Forbidden):
    """403 ``wrong_region``"""


class WrongRoom(e.Forbidden):
    """403 ``wrong_room``"""


BY_CODE: dict[str, type[e.SoukError]] = {
    'admin_only': AdminOnly,
    'agent_full': AgentFull,
    'agent_not_found': AgentNotFound,
    'agent_not_online': AgentNotOnline,
    'ai_declined': AiDeclined,
    'already_joined': AlreadyJoined,
    'already_on_stage': AlreadyOnStage,
    'already_queued': AlreadyQueued,
    'already_seated': AlreadySeated,
    'api_key_invalid': ApiKeyInvalid,
    'api_key_missing': ApiKeyMissing,
    'api_key_not_found': ApiKeyNotFound,
    'assistant_busy': AssistantBusy,
    'assistant_timeout': AssistantTimeout,
    'assistant_unavailable': AssistantUnavailable,
    'bad_api_key': BadApiKey,
    'bad_body': BadBody,
    'bad_cart': BadCart,
    'bad_coupon': BadCoupon,
    'bad_desk_settings': BadDeskSettings,
    'bad_events': BadEvents,
    'bad_group_buy': BadGroupBuy,
    'bad_handoff_rule': BadHandoffRule,
    'bad_image': BadImage,
    'bad_json': BadJson,
    'bad_merchant': BadMerchant,
    'bad_pk': BadPk,
    'bad_privilege': BadPrivilege,
    'bad_product': BadProduct,
    'bad_report': BadReport,
    'bad_room': BadRoom,
    'bad_sale': BadSale,
    'bad_sla': BadSla,
    'bad_subject': BadSubject,
    'bad_transfer': BadTransfer,
    'bad_ttl': BadTtl,
    'banned': Banned,
    'body_too_large': BodyTooLarge,
    'call_active': CallActive,
    'call_ended': CallEnded,
    'call_finished': CallFinished,
    'call_in_progress': CallInProgress,
    'call_not_ringing': CallNotRinging,
    'canned_id_taken': CannedIdTaken,
    'capacity_below_load': CapacityBelowLoad,
    'captions_busy': CaptionsBusy,
    'captions_unavailable': CaptionsUnavailable,
    'cart_empty': CartEmpty,
    'cart_full': CartFull,
    'cart_qty_limit': CartQtyLimit,
    'channel_rate_limited': ChannelRateLimited,
    'confirmation_mismatch': ConfirmationMismatch,
    'consent_required': ConsentRequired,
    'conversation_closed': ConversationClosed,
    'conversation_not_found': ConversationNotFound,
    'coupon_exhausted': CouponExhausted,
    'coupon_exists': CouponExists,
    'coupon_expired': CouponExpired,
    'coupon_invalid': CouponInvalid,
    'coupon_min_spend': CouponMinSpend,
    'coupon_used': CouponUsed,
    'csat_before_close': CsatBeforeClose,
    'csat_given': CsatGiven,
    'demo_disabled': DemoDisabled,
    'desk_unavailable': DeskUnavailable,
    'empty_image': EmptyImage,
    'empty_text': EmptyText,
    'events_auth_failed': EventsAuthFailed,
    'group_buy_ended': GroupBuyEnded,
    'group_buy_full': GroupBuyFull,
    'group_buy_not_found': GroupBuyNotFound,
    'hands_full': HandsFull,
    'host_only': HostOnly,
    'image_dimensions_too_large': ImageDimensionsTooLarge,
    'image_too_large': ImageTooLarge,
    'invalid_request': InvalidRequest,
    'invite_only': InviteOnly,
    'invites_full': InvitesFull,
    'keyword_blocked': KeywordBlocked,
    'listener_only': ListenerOnly,
    'locked_out': LockedOut,
    'media_unavailable': MediaUnavailable,
    'merchant_exists': MerchantExists,
    'merchant_not_found': MerchantNotFound,
    'message_too_large': MessageTooLarge,
    'muted': Muted,
    'no_hand': NoHand,
    'no_invite': NoInvite,
    'no_pk_invite': NoPkInvite,
    'no_products': NoProducts,
    'no_shipping': NoShipping,
    'no_such_seat': NoSuchSeat,
    'no_video_offer': NoVideoOffer,
    'not_a_chapter': NotAChapter,
    'not_assigned': NotAssigned,
    'not_enough_stock': NotEnoughStock,
    'not_found': e.NotFound,
    'not_group_call': NotGroupCall,
    'not_host': NotHost,
    'not_linked': NotLinked,
    'not_live_room': NotLiveRoom,
    'not_on_stage': NotOnStage,
    'not_pinned': NotPinned,
    'not_publishing': NotPublishing,
    'not_queued': NotQueued,
    'not_seated': NotSeated,
    'not_with_humans': NotWithHumans,
    'not_your_conversation': NotYourConversation,
    'operator_disabled': OperatorDisabled,
    'operator_token_invalid': OperatorTokenInvalid,
    'order_exists': OrderExists,
    'order_not_found': OrderNotFound,
    'out_of_stock': OutOfStock,
    'photo_unavailable': PhotoUnavailable,
    'photo_with_person': PhotoWithPerson,
    'pk_busy': PkBusy,
    'privilege_missing': PrivilegeMissing,
    'product_not_found': ProductNotFound,
    'rate_limited': e.RateLimited,
    'recording_not_found': RecordingNotFound,
    'recording_unavailable': RecordingUnavailable,
    'remove_self': RemoveSelf,
    'replay_media_not_found': ReplayMediaNotFound,
    'report_too_large': ReportTooLarge,
    'reserved_room_id': ReservedRoomId,
    'revoke_what': RevokeWhat,
    'room_closed': RoomClosed,
    'room_elsewhere': RoomElsewhere,
    'room_ended': RoomEnded,
    'room_exists': RoomExists,
    'room_not_found': RoomNotFound,
    'rtm_unavailable': RtmUnavailable,
    'sale_ended': SaleEnded,
    'sale_not_found': SaleNotFound,
    'sale_sold_out': SaleSoldOut,
    'screen_busy': ScreenBusy,
    'screen_of_screen': ScreenOfScreen,
    'seat_locked': SeatLocked,
    'seat_taken': SeatTaken,
    'seats_busy': SeatsBusy,
    'seats_full': SeatsFull,
    'seats_occupied': SeatsOccupied,
    'shopper_offline': ShopperOffline,
    'shopper_only': ShopperOnly,
    'show_not_live': ShowNotLive,
    'shutting_down': ShuttingDown,
    'slow_mode': SlowMode,
    'staff_only': StaffOnly,
    'stage_full': StageFull,
    'stage_unavailable': StageUnavailable,
    'store_invalid': StoreInvalid,
    'text_and_canned': TextAndCanned,
    'text_too_long': TextTooLong,
    'timeline_full': TimelineFull,
    'token_expired': e.TokenExpired,
    'token_invalid': TokenInvalid,
    'token_missing': TokenMissing,
    'token_not_found': TokenNotFound,
    'too_many_canned_replies': TooManyCannedReplies,
    'too_many_caption_languages': TooManyCaptionLanguages,
    'too_many_hands': TooManyHands,
    'too_many_invites': TooManyInvites,
    'too_many_pins': TooManyPins,
    'too_many_sessions': TooManySessions,
    'too_many_shows': TooManyShows,
    'too_many_viewers': TooManyViewers,
    'translation_unavailable': TranslationUnavailable,
    'unknown_call': UnknownCall,
    'unknown_canned_reply': UnknownCannedReply,
    'unknown_conversation': UnknownConversation,
    'unknown_currency': UnknownCurrency,
    'unknown_customer': UnknownCustomer,
    'unknown_merchant': UnknownMerchant,
    'unknown_product': UnknownProduct,
    'unknown_region': UnknownRegion,
    'unknown_room': UnknownRoom,
    'unknown_text_version': UnknownTextVersion,
    'unsupported_image_type': UnsupportedImageType,
    'user_rate_limited': UserRateLimited,
    'viewer_only': ViewerOnly,
    'voice_room_ended': VoiceRoomEnded,
    'voice_room_not_found': VoiceRoomNotFound,
    'voice_rooms_unavailable': VoiceRoomsUnavailable,
    'webhook_delivery_not_found': WebhookDeliveryNotFound,
    'webhook_disabled': WebhookDisabled,
    'webhook_endpoint_not_found': WebhookEndpointNotFound,
    'webhook_event': WebhookEvent,
    'webhook_limit': WebhookLimit,
    'webhook_secret': WebhookSecret,
    'webhook_url': WebhookUrl,
    'webhook_url_private': WebhookUrlPrivate,
    'webhooks_unavailable': WebhooksUnavailable,
    'wrong_region': WrongRegion,
    'wrong_room': WrongRoom,
}
