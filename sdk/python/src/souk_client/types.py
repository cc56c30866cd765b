"""Types of the Souk REST API, generated from its OpenAPI document by sdk/python/tools/generate.py.

Over 500 lines because: generated, one declaration per schema of the document; do not edit by hand (a test
fails when this file and the document differ). Times are ISO 8601 strings, as on the wire.
"""
# Over 500 lines because: generated

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

API_VERSION = '0.1.0'


class AcceptIn(TypedDict):
    consent_recording: NotRequired[bool | None]
    language: NotRequired[Literal['en', 'es', 'zh', 'ar', 'id', 'pt']]
    text_version: NotRequired[str | None]


class ActionOut(TypedDict):
    id: str
    kind: str
    status: str
    refusal: str | None
    actor: str
    channel: str
    conversation_id: str | None
    idempotency_key: str
    created_at: str
    details: dict[str, Any]


class AgentIn(TypedDict):
    name: NotRequired[str]
    capacity: NotRequired[int]
    skills: NotRequired[SkillsIn]


class AmountCoupon(TypedDict):
    code: str
    min_spend: NotRequired[int | str]
    max_redemptions: NotRequired[int | None]
    duration_s: NotRequired[float | None]
    kind: Literal['amount']
    value: int | str


class AttemptOut(TypedDict):
    delivery_id: str
    number: int
    at: str
    ok: bool
    status_code: int | None
    duration_ms: float
    response: str
    error: str | None


class AudioIn(TypedDict):
    packets_received: NotRequired[int]
    packets_lost: NotRequired[int]
    fec_packets_received: NotRequired[int]
    concealed_samples: NotRequired[int]
    total_samples_received: NotRequired[int]
    concealment_events: NotRequired[int]


class BuyIn(TypedDict):
    qty: NotRequired[int]
    country: str
    order_id: NotRequired[str | None]


class CallOut(TypedDict):
    call: dict[str, Any]
    token: str | None
    cart: dict[str, Any] | None


class CancelIn(TypedDict):
    op: Literal['cancel_invite']
    identity: str


class CannedIn(TypedDict):
    id: str
    title: NotRequired[str]
    texts: dict[str, Any]


class CaptionsIn(TypedDict):
    enabled: bool
    lang: NotRequired[str | None]


class CartIn(TypedDict):
    sku: str
    qty: NotRequired[int]


class CheckoutIn(TypedDict):
    country: str
    coupon: NotRequired[str | None]
    order_id: NotRequired[str | None]


class CloseIn(TypedDict):
    resolution: NotRequired[Resolution]


class ConsentAnswerIn(TypedDict):
    kind: ConsentKind
    granted: bool
    language: Literal['en', 'es', 'zh', 'ar', 'id', 'pt']
    channel: NotRequired[Literal['widget', 'watch_page', 'voice_room', 'api']]
    text_version: NotRequired[str | None]


ConsentKind = Literal['recording', 'ai_processing', 'marketing']


class ConsultIn(TypedDict):
    note: NotRequired[str]
    lang: NotRequired[str]
    sku: NotRequired[str | None]


class ConsultList(TypedDict):
    active: list[dict[str, Any]]
    recent: list[RecordOut]


class ConsultRequest(TypedDict):
    product_sku: NotRequired[str]
    language: NotRequired[str]
    name: NotRequired[str]
    conversation_id: NotRequired[str | None]


class CreateIn(TypedDict):
    title: NotRequired[str]
    seats: NotRequired[int]
    free_seating: NotRequired[bool]
    record: NotRequired[bool]
    room_id: NotRequired[str | None]
    host_identity: str


class CsatBody(TypedDict):
    score: int
    comment: NotRequired[str]


DataKind = Literal['chat_history', 'transcripts', 'recordings', 'quality_records', 'desk_conversations', 'audit_log']


class DeleteModeration(TypedDict):
    user: NotRequired[str]
    seq: int
    duration_s: NotRequired[float]
    words: NotRequired[list[str]]
    action: Literal['delete']


class DeliveryDetail(TypedDict):
    delivery: DeliveryOut
    payload: dict[str, Any]
    attempts: list[AttemptOut]


class DeliveryList(TypedDict):
    deliveries: list[DeliveryOut]


class DeliveryOut(TypedDict):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_status_code: int | None
    last_response: str


DemoTokenRequest = TypedDict('DemoTokenRequest', {'as': "Literal['shopper', 'seller', 'viewer', 'host']", 'name': 'NotRequired[str]'})


class EmailBody(TypedDict):
    email: str


class EndpointIn(TypedDict):
    url: str
    events: list[Literal['assigned', 'call.ended', 'call.started', 'closed', 'conversation.created', 'csat', 'exchange.requested', 'handoff', 'message', 'order.cancelled', 'order.created', 'order.updated', 'quality.alert', 'return.created', 'tracking.resent']]
    secret: NotRequired[str | None]


class EndpointList(TypedDict):
    webhooks: list[EndpointOut]


class EndpointOut(TypedDict):
    id: str
    url: str
    events: list[str]
    active: bool
    secret_hint: str


class EndpointPatch(TypedDict):
    url: NotRequired[str | None]
    events: NotRequired[list[str] | None]
    active: NotRequired[bool | None]


class EndpointWithSecret(TypedDict):
    id: str
    url: str
    events: list[str]
    active: bool
    secret_hint: str
    secret: str


class EraseIn(TypedDict):
    emails: NotRequired[list[str]]
    phones: NotRequired[list[str]]
    names: NotRequired[list[str]]
    identities: NotRequired[list[str]]
    confirm: str


class ErrorBody(TypedDict):
    code: str
    kind: str
    message: str
    retryable: NotRequired[bool]
    details: NotRequired[dict[str, Any] | None]


class ErrorEnvelope(TypedDict):
    """Every REST error: ``{"error": {"code", "kind", "message", ...}}``."""

    error: ErrorBody


class GroupBuyIn(TypedDict):
    sku: str
    tiers: list[TierIn]
    cap: int
    duration_s: float
    max_qty: NotRequired[int]


class GroupCallsMuteIn(TypedDict):
    identity: str
    kind: Literal['audio', 'video']
    muted: NotRequired[bool]


class HandIn(TypedDict):
    note: NotRequired[str]


class HandoffIn(TypedDict):
    rules: NotRequired[list[RuleIn] | None]
    order_value_threshold: NotRequired[int | str | None]


HandoffReasonName = Literal['explicit_request', 'frustration', 'damaged_or_wrong_item', 'repeated_failure', 'high_value_order', 'vip', 'not_allowed']


class HoursIn(TypedDict):
    hours: str
    utc_offset: str
    days: NotRequired[list[int] | None]


class HumanBody(TypedDict):
    language: NotRequired[str | None]


class IceServerOut(TypedDict):
    urls: str
    username: str | None
    credential: str | None


class IceServersOut(TypedDict):
    ice_servers: list[IceServerOut]
    expires_at: int | None


class Identifiers(TypedDict):
    """Identifiers the stores cannot know (a phone the shop keeps elsewhere, a guest identity)."""

    emails: NotRequired[list[str]]
    phones: NotRequired[list[str]]
    names: NotRequired[list[str]]
    identities: NotRequired[list[str]]


class InviteIn(TypedDict):
    op: Literal['invite']
    identity: str
    name: NotRequired[str]
    seat: NotRequired[int | None]


class JoinIn(TypedDict):
    country: str
    qty: NotRequired[int]
    order_id: NotRequired[str | None]


class KeyIn(TypedDict):
    label: NotRequired[str]


class KeywordsModeration(TypedDict):
    user: NotRequired[str]
    seq: NotRequired[int]
    duration_s: NotRequired[float]
    words: NotRequired[list[str]]
    action: Literal['keywords']


class KickIn(TypedDict):
    op: Literal['kick']
    identity: str


Kind = Literal['chat', 'danmaku', 'like', 'gift', 'system', 'custom', 'typing']


class LanguageIn(TypedDict):
    lang: str


class LeaveIn(TypedDict):
    op: Literal['leave']


class LockIn(TypedDict):
    op: Literal['lock']
    seat: int
    locked: NotRequired[bool]


class LowerIn(TypedDict):
    op: Literal['lower_hand']
    identity: NotRequired[str | None]


class MemberModeration(TypedDict):
    user: str
    seq: NotRequired[int]
    duration_s: NotRequired[float]
    words: NotRequired[list[str]]
    action: Literal['mute', 'unmute', 'kick', 'ban', 'unban']


class MerchantIn(TypedDict):
    """The schema states new_merchant's rules: what it allows is accepted."""

    id: str
    name: str
    currency: Literal['AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BGN', 'BHD', 'BIF', 'BMD', 'BND', 'BOB', 'BOV', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CLF', 'CLP', 'CNY', 'COP', 'COU', 'CRC', 'CUC', 'CUP', 'CVE', 'CZK', 'DJF', 'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GNF', 'GTQ', 'GYD', 'HKD', 'HNL', 'HTG', 'HUF', 'IDR', 'ILS', 'INR', 'IQD', 'IRR', 'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KHR', 'KMF', 'KPW', 'KRW', 'KWD', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'LYD', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MXV', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'OMR', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'PYG', 'QAR', 'RON', 'RSD', 'RUB', 'RWF', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SLL', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS', 'TMT', 'TND', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'UGX', 'USD', 'USN', 'UYI', 'UYW', 'UZS', 'VED', 'VES', 'VND', 'VUV', 'WST', 'XAF', 'XCD', 'XCG', 'XOF', 'XPF', 'YER', 'ZAR', 'ZMW', 'ZWG', 'ZWL']
    region: str
    languages: NotRequired[list[str]]
    timezone: NotRequired[Literal['Africa/Abidjan', 'Africa/Accra', 'Africa/Addis_Ababa', 'Africa/Algiers', 'Africa/Asmara', 'Africa/Asmera', 'Africa/Bamako', 'Africa/Bangui', 'Africa/Banjul', 'Africa/Bissau', 'Africa/Blantyre', 'Africa/Brazzaville', 'Africa/Bujumbura', 'Africa/Cairo', 'Africa/Casablanca', 'Africa/Ceuta', 'Africa/Conakry', 'Africa/Dakar', 'Africa/Dar_es_Salaam', 'Africa/Djibouti', 'Africa/Douala', 'Africa/El_Aaiun', 'Africa/Freetown', 'Africa/Gaborone', 'Africa/Harare', 'Africa/Johannesburg', 'Africa/Juba', 'Africa/Kampala', 'Africa/Khartoum', 'Africa/Kigali', 'Africa/Kinshasa', 'Africa/Lagos', 'Africa/Libreville', 'Africa/Lome', 'Africa/Luanda', 'Africa/Lubumbashi', 'Africa/Lusaka', 'Africa/Malabo', 'Africa/Maputo', 'Africa/Maseru', 'Africa/Mbabane', 'Africa/Mogadishu', 'Africa/Monrovia', 'Africa/Nairobi', 'Africa/Ndjamena', 'Africa/Niamey', 'Africa/Nouakchott', 'Africa/Ouagadougou', 'Africa/Porto-Novo', 'Africa/Sao_Tome', 'Africa/Timbuktu', 'Africa/Tripoli', 'Africa/Tunis', 'Africa/Windhoek', 'America/Adak', 'America/Anchorage', 'America/Anguilla', 'America/Antigua', 'America/Araguaina', 'America/Argentina/Buenos_Aires', 'America/Argentina/Catamarca', 'America/Argentina/ComodRivadavia', 'America/Argentina/Cordoba', 'America/Argentina/Jujuy', 'America/Argentina/La_Rioja', 'America/Argentina/Mendoza', 'America/Argentina/Rio_Gallegos', 'America/Argentina/Salta', 'America/Argentina/San_Juan', 'America/Argentina/San_Luis', 'America/Argentina/Tucuman', 'America/Argentina/Ushuaia', 'America/Aruba', 'America/Asuncion', 'America/Atikokan', 'America/Atka', 'America/Bahia', 'America/Bahia_Banderas', 'America/Barbados', 'America/Belem', 'America/Belize', 'America/Blanc-Sablon', 'America/Boa_Vista', 'America/Bogota', 'America/Boise', 'America/Buenos_Aires', 'America/Cambridge_Bay', 'America/Campo_Grande', 'America/Cancun', 'America/Caracas', 'America/Catamarca', 'America/Cayenne', 'America/Cayman', 'America/Chicago', 'America/Chihuahua', 'America/Ciudad_Juarez', 'America/Coral_Harbour', 'America/Cordoba', 'America/Costa_Rica', 'America/Coyhaique', 'America/Creston', 'America/Cuiaba', 'America/Curacao', 'America/Danmarkshavn', 'America/Dawson', 'America/Dawson_Creek', 'America/Denver', 'America/Detroit', 'America/Dominica', 'America/Edmonton', 'America/Eirunepe', 'America/El_Salvador', 'America/Ensenada', 'America/Fort_Nelson', 'America/Fort_Wayne', 'America/Fortaleza', 'America/Glace_Bay', 'America/Godthab', 'America/Goose_Bay', 'America/Grand_Turk', 'America/Grenada', 'America/Guadeloupe', 'America/Guatemala', 'America/Guayaquil', 'America/Guyana', 'America/Halifax', 'America/Havana', 'America/Hermosillo', 'America/Indiana/Indianapolis', 'America/Indiana/Knox', 'America/Indiana/Marengo', 'America/Indiana/Petersburg', 'America/Indiana/Tell_City', 'America/Indiana/Vevay', 'America/Indiana/Vincennes', 'America/Indiana/Winamac', 'America/Indianapolis', 'America/Inuvik', 'America/Iqaluit', 'America/Jamaica', 'America/Jujuy', 'America/Juneau', 'America/Kentucky/Louisville', 'America/Kentucky/Monticello', 'America/Knox_IN', 'America/Kralendijk', 'America/La_Paz', 'America/Lima', 'America/Los_Angeles', 'America/Louisville', 'America/Lower_Princes', 'America/Maceio', 'America/Managua', 'America/Manaus', 'America/Marigot', 'America/Martinique', 'America/Matamoros', 'America/Mazatlan', 'America/Mendoza', 'America/Menominee', 'America/Merida', 'America/Metlakatla', 'America/Mexico_City', 'America/Miquelon', 'America/Moncton', 'America/Monterrey', 'America/Montevideo', 'America/Montreal', 'America/Montserrat', 'America/Nassau', 'America/New_York', 'America/Nipigon', 'America/Nome', 'America/Noronha', 'America/North_Dakota/Beulah', 'America/North_Dakota/Center', 'America/North_Dakota/New_Salem', 'America/Nuuk', 'America/Ojinaga', 'America/Panama', 'America/Pangnirtung', 'America/Paramaribo', 'America/Phoenix', 'America/Port-au-Prince', 'America/Port_of_Spain', 'America/Porto_Acre', 'America/Porto_Velho', 'America/Puerto_Rico', 'America/Punta_Arenas', 'America/Rainy_River', 'America/Rankin_Inlet', 'America/Recife', 'America/Regina', 'America/Resolute', 'America/Rio_Branco', 'America/Rosario', 'America/Santa_Isabel', 'America/Santarem', 'America/Santiago', 'America/Santo_Domingo', 'America/Sao_Paulo', 'America/Scoresbysund', 'America/Shiprock', 'America/Sitka', 'America/St_Barthelemy', 'America/St_Johns', 'America/St_Kitts', 'America/St_Lucia', 'America/St_Thomas', 'America/St_Vincent', 'America/Swift_Current', 'America/Tegucigalpa', 'America/Thule', 'America/Thunder_Bay', 'America/Tijuana', 'America/Toronto', 'America/Tortola', 'America/Vancouver', 'America/Virgin', 'America/Whitehorse', 'America/Winnipeg', 'America/Yakutat', 'America/Yellowknife', 'Antarctica/Casey', 'Antarctica/Davis', 'Antarctica/DumontDUrville', 'Antarctica/Macquarie', 'Antarctica/Mawson', 'Antarctica/McMurdo', 'Antarctica/Palmer', 'Antarctica/Rothera', 'Antarctica/South_Pole', 'Antarctica/Syowa', 'Antarctica/Troll', 'Antarctica/Vostok', 'Arctic/Longyearbyen', 'Asia/Aden', 'Asia/Almaty', 'Asia/Amman', 'Asia/Anadyr', 'Asia/Aqtau', 'Asia/Aqtobe', 'Asia/Ashgabat', 'Asia/Ashkhabad', 'Asia/Atyrau', 'Asia/Baghdad', 'Asia/Bahrain', 'Asia/Baku', 'Asia/Bangkok', 'Asia/Barnaul', 'Asia/Beirut', 'Asia/Bishkek', 'Asia/Brunei', 'Asia/Calcutta', 'Asia/Chita', 'Asia/Choibalsan', 'Asia/Chongqing', 'Asia/Chungking', 'Asia/Colombo', 'Asia/Dacca', 'Asia/Damascus', 'Asia/Dhaka', 'Asia/Dili', 'Asia/Dubai', 'Asia/Dushanbe', 'Asia/Famagusta', 'Asia/Gaza', 'Asia/Harbin', 'Asia/Hebron', 'Asia/Ho_Chi_Minh', 'Asia/Hong_Kong', 'Asia/Hovd', 'Asia/Irkutsk', 'Asia/Istanbul', 'Asia/Jakarta', 'Asia/Jayapura', 'Asia/Jerusalem', 'Asia/Kabul', 'Asia/Kamchatka', 'Asia/Karachi', 'Asia/Kashgar', 'Asia/Kathmandu', 'Asia/Katmandu', 'Asia/Khandyga', 'Asia/Kolkata', 'Asia/Krasnoyarsk', 'Asia/Kuala_Lumpur', 'Asia/Kuching', 'Asia/Kuwait', 'Asia/Macao', 'Asia/Macau', 'Asia/Magadan', 'Asia/Makassar', 'Asia/Manila', 'Asia/Muscat', 'Asia/Nicosia', 'Asia/Novokuznetsk', 'Asia/Novosibirsk', 'Asia/Omsk', 'Asia/Oral', 'Asia/Phnom_Penh', 'Asia/Pontianak', 'Asia/Pyongyang', 'Asia/Qatar', 'Asia/Qostanay', 'Asia/Qyzylorda', 'Asia/Rangoon', 'Asia/Riyadh', 'Asia/Saigon', 'Asia/Sakhalin', 'Asia/Samarkand', 'Asia/Seoul', 'Asia/Shanghai', 'Asia/Singapore', 'Asia/Srednekolymsk', 'Asia/Taipei', 'Asia/Tashkent', 'Asia/Tbilisi', 'Asia/Tehran', 'Asia/Tel_Aviv', 'Asia/Thimbu', 'Asia/Thimphu', 'Asia/Tokyo', 'Asia/Tomsk', 'Asia/Ujung_Pandang', 'Asia/Ulaanbaatar', 'Asia/Ulan_Bator', 'Asia/Urumqi', 'Asia/Ust-Nera', 'Asia/Vientiane', 'Asia/Vladivostok', 'Asia/Yakutsk', 'Asia/Yangon', 'Asia/Yekaterinburg', 'Asia/Yerevan', 'Atlantic/Azores', 'Atlantic/Bermuda', 'Atlantic/Canary', 'Atlantic/Cape_Verde', 'Atlantic/Faeroe', 'Atlantic/Faroe', 'Atlantic/Jan_Mayen', 'Atlantic/Madeira', 'Atlantic/Reykjavik', 'Atlantic/South_Georgia', 'Atlantic/St_Helena', 'Atlantic/Stanley', 'Australia/ACT', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Broken_Hill', 'Australia/Canberra', 'Australia/Currie', 'Australia/Darwin', 'Australia/Eucla', 'Australia/Hobart', 'Australia/LHI', 'Australia/Lindeman', 'Australia/Lord_Howe', 'Australia/Melbourne', 'Australia/NSW', 'Australia/North', 'Australia/Perth', 'Australia/Queensland', 'Australia/South', 'Australia/Sydney', 'Australia/Tasmania', 'Australia/Victoria', 'Australia/West', 'Australia/Yancowinna', 'Brazil/Acre', 'Brazil/DeNoronha', 'Brazil/East', 'Brazil/West', 'CET', 'CST6CDT', 'Canada/Atlantic', 'Canada/Central', 'Canada/Eastern', 'Canada/Mountain', 'Canada/Newfoundland', 'Canada/Pacific', 'Canada/Saskatchewan', 'Canada/Yukon', 'Chile/Continental', 'Chile/EasterIsland', 'Cuba', 'EET', 'EST', 'EST5EDT', 'Egypt', 'Eire', 'Etc/GMT', 'Etc/GMT+0', 'Etc/GMT+1', 'Etc/GMT+10', 'Etc/GMT+11', 'Etc/GMT+12', 'Etc/GMT+2', 'Etc/GMT+3', 'Etc/GMT+4', 'Etc/GMT+5', 'Etc/GMT+6', 'Etc/GMT+7', 'Etc/GMT+8', 'Etc/GMT+9', 'Etc/GMT-0', 'Etc/GMT-1', 'Etc/GMT-10', 'Etc/GMT-11', 'Etc/GMT-12', 'Etc/GMT-13', 'Etc/GMT-14', 'Etc/GMT-2', 'Etc/GMT-3', 'Etc/GMT-4', 'Etc/GMT-5', 'Etc/GMT-6', 'Etc/GMT-7', 'Etc/GMT-8', 'Etc/GMT-9', 'Etc/GMT0', 'Etc/Greenwich', 'Etc/UCT', 'Etc/UTC', 'Etc/Universal', 'Etc/Zulu', 'Europe/Amsterdam', 'Europe/Andorra', 'Europe/Astrakhan', 'Europe/Athens', 'Europe/Belfast', 'Europe/Belgrade', 'Europe/Berlin', 'Europe/Bratislava', 'Europe/Brussels', 'Europe/Bucharest', 'Europe/Budapest', 'Europe/Busingen', 'Europe/Chisinau', 'Europe/Copenhagen', 'Europe/Dublin', 'Europe/Gibraltar', 'Europe/Guernsey', 'Europe/Helsinki', 'Europe/Isle_of_Man', 'Europe/Istanbul', 'Europe/Jersey', 'Europe/Kaliningrad', 'Europe/Kiev', 'Europe/Kirov', 'Europe/Kyiv', 'Europe/Lisbon', 'Europe/Ljubljana', 'Europe/London', 'Europe/Luxembourg', 'Europe/Madrid', 'Europe/Malta', 'Europe/Mariehamn', 'Europe/Minsk', 'Europe/Monaco', 'Europe/Moscow', 'Europe/Nicosia', 'Europe/Oslo', 'Europe/Paris', 'Europe/Podgorica', 'Europe/Prague', 'Europe/Riga', 'Europe/Rome', 'Europe/Samara', 'Europe/San_Marino', 'Europe/Sarajevo', 'Europe/Saratov', 'Europe/Simferopol', 'Europe/Skopje', 'Europe/Sofia', 'Europe/Stockholm', 'Europe/Tallinn', 'Europe/Tirane', 'Europe/Tiraspol', 'Europe/Ulyanovsk', 'Europe/Uzhgorod', 'Europe/Vaduz', 'Europe/Vatican', 'Europe/Vienna', 'Europe/Vilnius', 'Europe/Volgograd', 'Europe/Warsaw', 'Europe/Zagreb', 'Europe/Zaporozhye', 'Europe/Zurich', 'Factory', 'GB', 'GB-Eire', 'GMT', 'GMT+0', 'GMT-0', 'GMT0', 'Greenwich', 'HST', 'Hongkong', 'Iceland', 'Indian/Antananarivo', 'Indian/Chagos', 'Indian/Christmas', 'Indian/Cocos', 'Indian/Comoro', 'Indian/Kerguelen', 'Indian/Mahe', 'Indian/Maldives', 'Indian/Mauritius', 'Indian/Mayotte', 'Indian/Reunion', 'Iran', 'Israel', 'Jamaica', 'Japan', 'Kwajalein', 'Libya', 'MET', 'MST', 'MST7MDT', 'Mexico/BajaNorte', 'Mexico/BajaSur', 'Mexico/General', 'NZ', 'NZ-CHAT', 'Navajo', 'PRC', 'PST8PDT', 'Pacific/Apia', 'Pacific/Auckland', 'Pacific/Bougainville', 'Pacific/Chatham', 'Pacific/Chuuk', 'Pacific/Easter', 'Pacific/Efate', 'Pacific/Enderbury', 'Pacific/Fakaofo', 'Pacific/Fiji', 'Pacific/Funafuti', 'Pacific/Galapagos', 'Pacific/Gambier', 'Pacific/Guadalcanal', 'Pacific/Guam', 'Pacific/Honolulu', 'Pacific/Johnston', 'Pacific/Kanton', 'Pacific/Kiritimati', 'Pacific/Kosrae', 'Pacific/Kwajalein', 'Pacific/Majuro', 'Pacific/Marquesas', 'Pacific/Midway', 'Pacific/Nauru', 'Pacific/Niue', 'Pacific/Norfolk', 'Pacific/Noumea', 'Pacific/Pago_Pago', 'Pacific/Palau', 'Pacific/Pitcairn', 'Pacific/Pohnpei', 'Pacific/Ponape', 'Pacific/Port_Moresby', 'Pacific/Rarotonga', 'Pacific/Saipan', 'Pacific/Samoa', 'Pacific/Tahiti', 'Pacific/Tarawa', 'Pacific/Tongatapu', 'Pacific/Truk', 'Pacific/Wake', 'Pacific/Wallis', 'Pacific/Yap', 'Poland', 'Portugal', 'ROC', 'ROK', 'Singapore', 'Turkey', 'UCT', 'US/Alaska', 'US/Aleutian', 'US/Arizona', 'US/Central', 'US/East-Indiana', 'US/Eastern', 'US/Hawaii', 'US/Indiana-Starke', 'US/Michigan', 'US/Mountain', 'US/Pacific', 'US/Samoa', 'UTC', 'Universal', 'W-SU', 'WET', 'Zulu', 'localtime']]
    ships_from: NotRequired[str]
    country: NotRequired[str]
    data_region: NotRequired[str]


class MessageBody(TypedDict):
    text: str
    language: NotRequired[str | None]


class MoveIn(TypedDict):
    op: Literal['move']
    to: int
    identity: NotRequired[str | None]


class NoteIn(TypedDict):
    text: str


class OpenBody(TypedDict):
    language: NotRequired[str | None]


class OpenIn(TypedDict):
    title: NotRequired[str]
    seats: NotRequired[int]
    free_seating: NotRequired[bool]
    record: NotRequired[bool]


class OrderActionsOut(TypedDict):
    order_id: str
    actions: list[ActionOut]
    returns: list[ReturnOut]


class ParticipantOut(TypedDict):
    identity: str
    role: str
    name: str
    joined_at: str | None
    left_at: str | None
    connected: bool
    publishing: bool
    audio_muted: bool
    video_muted: bool


class PercentCoupon(TypedDict):
    code: str
    min_spend: NotRequired[int | str]
    max_redemptions: NotRequired[int | None]
    duration_s: NotRequired[float | None]
    kind: Literal['percent']
    value: int | str


class PinIn(TypedDict):
    sku: str


class PkIn(TypedDict):
    room: str


Presence = Literal['online', 'away', 'offline']


class PresenceIn(TypedDict):
    presence: Presence


class PublishIn(TypedDict):
    kind: NotRequired[Kind]
    body: NotRequired[Any]
    id: NotRequired[str]
    count: NotRequired[int]


class RaiseIn(TypedDict):
    op: Literal['raise_hand']


class RecordOut(TypedDict):
    id: str
    room_id: str | None
    shopper: str
    seller: str | None
    product_sku: str | None
    language: str | None
    requested_at: str
    answered_at: str | None
    ended_at: str | None
    outcome: str | None
    duration_s: float | None


class RedactionIn(TypedDict):
    on: bool


RedactionTarget = Literal['transcripts']


class ReplyIn(TypedDict):
    text: NotRequired[str | None]
    canned_id: NotRequired[str | None]


class ReportIn(TypedDict):
    """Cumulative since the join (summed over the join's peer connections), plus the latest RTT and jitter."""

    session: str
    room: str
    seq: int
    elapsed_ms: float
    first_frame_ms: NotRequired[float | None]
    failure: NotRequired[Literal['ice_failed', 'no_media', 'publish_failed', 'subscribe_failed', 'signaling_failed'] | None]
    network: NotRequired[Literal['wifi', 'cellular', 'ethernet', 'other', 'unknown']]
    timezone: NotRequired[str]
    codec: NotRequired[str]
    rtt_ms: NotRequired[float | None]
    jitter_ms: NotRequired[float | None]
    in_kbps: NotRequired[float]
    out_kbps: NotRequired[float]
    audio: NotRequired[AudioIn | None]
    video: NotRequired[VideoIn | None]


class ResizeIn(TypedDict):
    op: Literal['resize']
    count: int


Resolution = Literal['resolved', 'unresolved', 'abandoned', 'spam']


class RetentionIn(TypedDict):
    days: int


class ReturnOut(TypedDict):
    id: str
    kind: str
    status: str
    lines: list[dict[str, Any]]
    refund_amount: str
    fee: str
    label_ref: str | None
    created_at: str


class RevokeRequest(TypedDict):
    """One of: the token's id (``jti``, from the mint response) or the token itself."""

    jti: NotRequired[str | None]
    token: NotRequired[str | None]


class RevokeResponse(TypedDict):
    jti: str
    revoked: bool
    until: float


Role = Literal['host', 'cohost', 'moderator', 'member', 'audience', 'guest', 'agent', 'service']


class RoomCreate(TypedDict):
    kind: RoomKind
    room_id: NotRequired[str | None]
    metadata: NotRequired[dict[str, Any]]


RoomKind = Literal['consult', 'live', 'voice', 'group']


class RoomOut(TypedDict):
    id: str
    kind: str
    status: str
    created_at: str
    closed_at: str | None
    metadata: dict[str, Any]
    live_participants: int


RoomStatus = Literal['open', 'closed']


class RuleIn(TypedDict):
    reason: HandoffReasonName
    signal: SignalName
    at_least: NotRequired[int | str]


class SaleIn(TypedDict):
    sku: str
    units: int
    price: int | str
    duration_s: float


class SettingsIn(TypedDict):
    """Keys left out keep their current value."""

    handoff: NotRequired[HandoffIn | None]
    sla: NotRequired[SlaIn | None]
    hours: NotRequired[HoursIn | None]
    max_wait_s: NotRequired[float | None]
    canned: NotRequired[list[CannedIn] | None]
    email_offer: NotRequired[bool | None]


class ShowIn(TypedDict):
    title: NotRequired[str]
    record: NotRequired[bool | None]


SignalName = Literal['explicit_request', 'frustration_count', 'damaged_or_wrong_item', 'same_question_failures', 'order_value', 'vip', 'forbidden_request']


class SkillsIn(TypedDict):
    languages: NotRequired[list[str]]
    categories: NotRequired[list[str]]
    vip: NotRequired[bool]
    video: NotRequired[bool]


class SlaIn(TypedDict):
    default: TargetsIn
    queues: NotRequired[dict[str, TargetsIn]]


class SlowModeration(TypedDict):
    user: NotRequired[str]
    seq: NotRequired[int]
    duration_s: NotRequired[float]
    words: NotRequired[list[str]]
    action: Literal['slow']


class StaffAnswerIn(TypedDict):
    kind: ConsentKind
    granted: bool
    language: Literal['en', 'es', 'zh', 'ar', 'id', 'pt']
    channel: NotRequired[Literal['console', 'api']]
    text_version: NotRequired[str | None]
    customer_id: NotRequired[str | None]


class StageMuteIn(TypedDict):
    identity: str
    kind: Literal['audio', 'video']
    muted: bool


StatusFilter = Literal['ai', 'queued', 'assigned', 'closed']


class TakeIn(TypedDict):
    consent_recording: NotRequired[bool | None]
    language: NotRequired[Literal['en', 'es', 'zh', 'ar', 'id', 'pt']]
    text_version: NotRequired[str | None]
    op: Literal['take']
    seat: NotRequired[int | None]


class TargetsIn(TypedDict):
    first_response_s: float
    resolution_s: float


class TierIn(TypedDict):
    min_buyers: int
    price: int | str


class TokenRequest(TypedDict):
    identity: str
    room: str
    role: Role
    privileges: NotRequired[list[str] | None]
    ttl_s: NotRequired[int | None]
    name: NotRequired[str]
    region: NotRequired[str | None]


class TokenResponse(TypedDict):
    token: str
    identity: str
    room: str
    role: str
    merchant_id: str
    expires_in: int
    jti: str


class TransferIn(TypedDict):
    agent_id: NotRequired[str | None]
    queue: NotRequired[str | None]
    reason: NotRequired[str]


class TranslateIn(TypedDict):
    to: str
    seqs: list[int]


class VideoIn(TypedDict):
    packets_received: NotRequired[int]
    packets_lost: NotRequired[int]
    retransmitted_packets_received: NotRequired[int]
    frames_decoded: NotRequired[int]
    freeze_count: NotRequired[int]
    total_freezes_duration_ms: NotRequired[float]
    video_ms: NotRequired[float]
    layer_switches: NotRequired[int]


class VoiceRoomsAnswerIn(TypedDict):
    consent_recording: NotRequired[bool | None]
    language: NotRequired[Literal['en', 'es', 'zh', 'ar', 'id', 'pt']]
    text_version: NotRequired[str | None]
    op: Literal['answer']
    accept: bool


class VoiceRoomsMuteIn(TypedDict):
    op: Literal['mute']
    muted: bool
    identity: NotRequired[str | None]


class WhoIn(TypedDict):
    identity: str



# every error code the document declares, with the statuses it is answered under
ERROR_CODES: dict[str, tuple[int, ...]] = {
    'admin_only': (403,),
    'agent_full': (409,),
    'agent_not_found': (404,),
    'agent_not_online': (409,),
    'ai_declined': (403,),
    'already_joined': (409,),
    'already_on_stage': (409,),
    'already_queued': (409,),
    'already_seated': (409,),
    'api_key_invalid': (401,),
    'api_key_missing': (401,),
    'api_key_not_found': (404,),
    'assistant_busy': (503,),
    'assistant_timeout': (504,),
    'assistant_unavailable': (503,),
    'bad_api_key': (401,),
    'bad_body': (400,),
    'bad_cart': (400,),
    'bad_coupon': (400,),
    'bad_desk_settings': (400,),
    'bad_events': (400,),
    'bad_group_buy': (400,),
    'bad_handoff_rule': (400,),
    'bad_image': (400,),
    'bad_json': (400,),
    'bad_merchant': (422,),
    'bad_pk': (409,),
    'bad_privilege': (400,),
    'bad_product': (400,),
    'bad_report': (400,),
    'bad_room': (400,),
    'bad_sale': (400,),
    'bad_sla': (400,),
    'bad_subject': (400,),
    'bad_transfer': (400,),
    'bad_ttl': (400,),
    'banned': (403,),
    'body_too_large': (413,),
    'call_active': (409,),
    'call_ended': (409,),
    'call_finished': (409,),
    'call_in_progress': (409,),
    'call_not_ringing': (409,),
    'canned_id_taken': (409,),
    'capacity_below_load': (409,),
    'captions_busy': (503,),
    'captions_unavailable': (503,),
    'cart_empty': (409,),
    'cart_full': (413,),
    'cart_qty_limit': (413,),
    'channel_rate_limited': (429,),
    'confirmation_mismatch': (409,),
    'consent_required': (409,),
    'conversation_closed': (409,),
    'conversation_not_found': (404,),
    'coupon_exhausted': (409,),
    'coupon_exists': (409,),
    'coupon_expired': (409,),
    'coupon_invalid': (409,),
    'coupon_min_spend': (409,),
    'coupon_used': (409,),
    'csat_before_close': (409,),
    'csat_given': (409,),
    'demo_disabled': (404,),
    'desk_unavailable': (503,),
    'empty_image': (400,),
    'empty_text': (400,),
    'events_auth_failed': (401,),
    'group_buy_ended': (409,),
    'group_buy_full': (409,),
    'group_buy_not_found': (404,),
    'hands_full': (409,),
    'host_only': (403,),
    'image_dimensions_too_large': (413,),
    'image_too_large': (413,),
    'invalid_request': (422,),
    'invite_only': (403,),
    'invites_full': (409,),
    'keyword_blocked': (403,),
    'listener_only': (403,),
    'locked_out': (429,),
    'media_unavailable': (503,),
    'merchant_exists': (409,),
    'merchant_not_found': (404,),
    'message_too_large': (413,),
    'muted': (403,),
    'no_hand': (404,),
    'no_invite': (409,),
    'no_pk_invite': (404,),
    'no_products': (404,),
    'no_shipping': (409,),
    'no_such_seat': (409,),
    'no_video_offer': (409,),
    'not_a_chapter': (403,),
    'not_assigned': (409,),
    'not_enough_stock': (409,),
    'not_found': (404,),
    'not_group_call': (409,),
    'not_host': (403,),
    'not_in_call': (403, 404),
    'not_invited': (403, 404),
    'not_linked': (404,),
    'not_live_room': (409,),
    'not_on_stage': (404,),
    'not_pinned': (409,),
    'not_publishing': (409,),
    'not_queued': (409,),
    'not_seated': (409,),
    'not_with_humans': (409,),
    'not_your_conversation': (403,),
    'operator_disabled': (404,),
    'operator_token_invalid': (401,),
    'order_exists': (409,),
    'order_not_found': (404,),
    'out_of_stock': (409,),
    'partner_not_live': (404, 409),
    'photo_unavailable': (503,),
    'photo_with_person': (409,),
    'pk_busy': (409,),
    'privilege_missing': (403,),
    'product_not_found': (404,),
    'rate_limited': (429,),
    'recording_not_found': (404,),
    'recording_unavailable': (503,),
    'remove_self': (409,),
    'replay_media_not_found': (404,),
    'report_too_large': (413,),
    'reserved_room_id': (400,),
    'revoke_what': (400,),
    'room_closed': (409,),
    'room_elsewhere': (409,),
    'room_ended': (409,),
    'room_exists': (409,),
    'room_not_found': (404,),
    'rtm_unavailable': (503,),
    'sale_ended': (409,),
    'sale_not_found': (404,),
    'sale_sold_out': (409,),
    'screen_busy': (409,),
    'screen_of_screen': (409,),
    'seat_locked': (409,),
    'seat_taken': (409,),
    'seats_busy': (503,),
    'seats_full': (409,),
    'seats_occupied': (409,),
    'shopper_offline': (409,),
    'shopper_only': (403,),
    'show_not_live': (409,),
    'shutting_down': (409,),
    'slow_mode': (429,),
    'staff_only': (403,),
    'stage_full': (409,),
    'stage_unavailable': (503,),
    'store_invalid': (422,),
    'text_and_canned': (409,),
    'text_too_long': (413,),
    'timeline_full': (413,),
    'token_expired': (401,),
    'token_invalid': (401,),
    'token_missing': (401,),
    'token_not_found': (404,),
    'too_many_canned_replies': (413,),
    'too_many_caption_languages': (413,),
    'too_many_hands': (413,),
    'too_many_invites': (413,),
    'too_many_pins': (413,),
    'too_many_sessions': (429,),
    'too_many_shows': (503,),
    'too_many_viewers': (413,),
    'translation_unavailable': (503,),
    'unknown_call': (404,),
    'unknown_canned_reply': (404,),
    'unknown_conversation': (404,),
    'unknown_currency': (400,),
    'unknown_customer': (404,),
    'unknown_merchant': (404,),
    'unknown_product': (404,),
    'unknown_region': (400,),
    'unknown_room': (404,),
    'unknown_text_version': (404,),
    'unsupported_image_type': (415,),
    'user_rate_limited': (429,),
    'viewer_only': (403,),
    'voice_room_ended': (409,),
    'voice_room_not_found': (404,),
    'voice_rooms_unavailable': (503,),
    'webhook_delivery_not_found': (404,),
    'webhook_disabled': (409,),
    'webhook_endpoint_not_found': (404,),
    'webhook_event': (400,),
    'webhook_limit': (409,),
    'webhook_secret': (400,),
    'webhook_url': (400,),
    'webhook_url_private': (400,),
    'webhooks_unavailable': (503,),
    'wrong_region': (403,),
    'wrong_room': (403,),
}

ErrorCode = Literal[
    'admin_only',
    'agent_full',
    'agent_not_found',
    'agent_not_online',
    'ai_declined',
    'already_joined',
    'already_on_stage',
    'already_queued',
    'already_seated',
    'api_key_invalid',
    'api_key_missing',
    'api_key_not_found',
    'assistant_busy',
    'assistant_timeout',
    'assistant_unavailable',
    'bad_api_key',
    'bad_body',
    'bad_cart',
    'bad_coupon',
    'bad_desk_settings',
    'bad_events',
    'bad_group_buy',
    'bad_handoff_rule',
    'bad_image',
    'bad_json',
    'bad_merchant',
    'bad_pk',
    'bad_privilege',
    'bad_product',
    'bad_report',
    'bad_room',
    'bad_sale',
    'bad_sla',
    'bad_subject',
    'bad_transfer',
    'bad_ttl',
    'banned',
    'body_too_large',
    'call_active',
    'call_ended',
    'call_finished',
    'call_in_progress',
    'call_not_ringing',
    'canned_id_taken',
    'capacity_below_load',
    'captions_busy',
    'captions_unavailable',
    'cart_empty',
    'cart_full',
    'cart_qty_limit',
    'channel_rate_limited',
    'confirmation_mismatch',
    'consent_required',
    'conversation_closed',
    'conversation_not_found',
    'coupon_exhausted',
    'coupon_exists',
    'coupon_expired',
    'coupon_invalid',
    'coupon_min_spend',
    'coupon_used',
    'csat_before_close',
    'csat_given',
    'demo_disabled',
    'desk_unavailable',
    'empty_image',
    'empty_text',
    'events_auth_failed',
    'group_buy_ended',
    'group_buy_full',
    'group_buy_not_found',
    'hands_full',
    'host_only',
    'image_dimensions_too_large',
    'image_too_large',
    'invalid_request',
    'invite_only',
    'invites_full',
    'keyword_blocked',
    'listener_only',
    'locked_out',
    'media_unavailable',
    'merchant_exists',
    'merchant_not_found',
    'message_too_large',
    'muted',
    'no_hand',
    'no_invite',
    'no_pk_invite',
    'no_products',
    'no_shipping',
    'no_such_seat',
    'no_video_offer',
    'not_a_chapter',
    'not_assigned',
    'not_enough_stock',
    'not_found',
    'not_group_call',
    'not_host',
    'not_in_call',
    'not_invited',
    'not_linked',
    'not_live_room',
    'not_on_stage',
    'not_pinned',
    'not_publishing',
    'not_queued',
    'not_seated',
    'not_with_humans',
    'not_your_conversation',
    'operator_disabled',
    'operator_token_invalid',
    'order_exists',
    'order_not_found',
    'out_of_stock',
    'partner_not_live',
    'photo_unavailable',
    'photo_with_person',
    'pk_busy',
    'privilege_missing',
    'product_not_found',
    'rate_limited',
    'recording_not_found',
    'recording_unavailable',
    'remove_self',
    'replay_media_not_found',
    'report_too_large',
    'reserved_room_id',
    'revoke_what',
    'room_closed',
    'room_elsewhere',
    'room_ended',
    'room_exists',
    'room_not_found',
    'rtm_unavailable',
    'sale_ended',
    'sale_not_found',
    'sale_sold_out',
    'screen_busy',
    'screen_of_screen',
    'seat_locked',
    'seat_taken',
    'seats_busy',
    'seats_full',
    'seats_occupied',
    'shopper_offline',
    'shopper_only',
    'show_not_live',
    'shutting_down',
    'slow_mode',
    'staff_only',
    'stage_full',
    'stage_unavailable',
    'store_invalid',
    'text_and_canned',
    'text_too_long',
    'timeline_full',
    'token_expired',
    'token_invalid',
    'token_missing',
    'token_not_found',
    'too_many_canned_replies',
    'too_many_caption_languages',
    'too_many_hands',
    'too_many_invites',
    'too_many_pins',
    'too_many_sessions',
    'too_many_shows',
    'too_many_viewers',
    'translation_unavailable',
    'unknown_call',
    'unknown_canned_reply',
    'unknown_conversation',
    'unknown_currency',
    'unknown_customer',
    'unknown_merchant',
    'unknown_product',
    'unknown_region',
    'unknown_room',
    'unknown_text_version',
    'unsupported_image_type',
    'user_rate_limited',
    'viewer_only',
    'voice_room_ended',
    'voice_room_not_found',
    'voice_rooms_unavailable',
    'webhook_delivery_not_found',
    'webhook_disabled',
    'webhook_endpoint_not_found',
    'webhook_event',
    'webhook_limit',
    'webhook_secret',
    'webhook_url',
    'webhook_url_private',
    'webhooks_unavailable',
    'wrong_region',
    'wrong_room',
]

# every operation of the document: (method, path template)
OPERATIONS: frozenset[tuple[str, str]] = frozenset({
    ('GET', '/'),
    ('GET', '/call/{room}'),
    ('GET', '/console'),
    ('GET', '/desk'),
    ('GET', '/desk/metrics'),
    ('GET', '/healthz'),
    ('GET', '/live/{room}'),
    ('GET', '/live/{room}/studio'),
    ('GET', '/ops'),
    ('GET', '/replay/{recording_id}'),
    ('GET', '/shop'),
    ('GET', '/shop/{sku}'),
    ('GET', '/static/{path}'),
    ('POST', '/v1/agent/sessions'),
    ('DELETE', '/v1/agent/sessions/{session_id}'),
    ('POST', '/v1/agent/sessions/{session_id}/csat'),
    ('POST', '/v1/agent/sessions/{session_id}/email'),
    ('GET', '/v1/agent/sessions/{session_id}/events'),
    ('POST', '/v1/agent/sessions/{session_id}/human'),
    ('POST', '/v1/agent/sessions/{session_id}/messages'),
    ('POST', '/v1/agent/sessions/{session_id}/photo'),
    ('GET', '/v1/audit'),
    ('GET', '/v1/audit/verify'),
    ('GET', '/v1/consent'),
    ('POST', '/v1/consent'),
    ('GET', '/v1/consent/texts'),
    ('DELETE', '/v1/consent/{kind}'),
    ('GET', '/v1/consults'),
    ('POST', '/v1/consults'),
    ('GET', '/v1/consults/{call_id}'),
    ('POST', '/v1/consults/{call_id}/accept'),
    ('POST', '/v1/consults/{call_id}/decline'),
    ('POST', '/v1/consults/{call_id}/hangup'),
    ('POST', '/v1/demo/tokens'),
    ('GET', '/v1/desk/agents'),
    ('DELETE', '/v1/desk/agents/{agent_id}'),
    ('GET', '/v1/desk/agents/{agent_id}'),
    ('PUT', '/v1/desk/agents/{agent_id}'),
    ('GET', '/v1/desk/conversations'),
    ('GET', '/v1/desk/conversations/{conversation_id}'),
    ('POST', '/v1/desk/conversations/{conversation_id}/claim'),
    ('POST', '/v1/desk/conversations/{conversation_id}/close'),
    ('POST', '/v1/desk/conversations/{conversation_id}/handback'),
    ('POST', '/v1/desk/conversations/{conversation_id}/messages'),
    ('POST', '/v1/desk/conversations/{conversation_id}/notes'),
    ('POST', '/v1/desk/conversations/{conversation_id}/transfer'),
    ('POST', '/v1/desk/conversations/{conversation_id}/translations'),
    ('POST', '/v1/desk/conversations/{conversation_id}/video'),
    ('GET', '/v1/desk/metrics'),
    ('PUT', '/v1/desk/presence'),
    ('GET', '/v1/desk/queues'),
    ('GET', '/v1/desk/settings'),
    ('PUT', '/v1/desk/settings'),
    ('GET', '/v1/desk/sla'),
    ('GET', '/v1/group-calls/{room}'),
    ('POST', '/v1/group-calls/{room}/end'),
    ('POST', '/v1/group-calls/{room}/lower-hand'),
    ('POST', '/v1/group-calls/{room}/mute'),
    ('POST', '/v1/group-calls/{room}/remove'),
    ('POST', '/v1/group-calls/{room}/screen-token'),
    ('GET', '/v1/ice-servers'),
    ('GET', '/v1/live/{room}/captions'),
    ('POST', '/v1/live/{room}/captions'),
    ('POST', '/v1/live/{room}/captions/language'),
    ('GET', '/v1/live/{room}/cart'),
    ('POST', '/v1/live/{room}/cart'),
    ('DELETE', '/v1/live/{room}/cart/{sku}'),
    ('POST', '/v1/live/{room}/checkout'),
    ('POST', '/v1/live/{room}/consult'),
    ('GET', '/v1/live/{room}/coupons'),
    ('POST', '/v1/live/{room}/coupons'),
    ('POST', '/v1/live/{room}/coupons/{code}/end'),
    ('GET', '/v1/live/{room}/group-buys'),
    ('POST', '/v1/live/{room}/group-buys'),
    ('GET', '/v1/live/{room}/group-buys/{offer_id}'),
    ('POST', '/v1/live/{room}/group-buys/{offer_id}/end'),
    ('POST', '/v1/live/{room}/group-buys/{offer_id}/join'),
    ('GET', '/v1/live/{room}/pins'),
    ('POST', '/v1/live/{room}/pins'),
    ('DELETE', '/v1/live/{room}/pins/{sku}'),
    ('DELETE', '/v1/live/{room}/pk'),
    ('POST', '/v1/live/{room}/pk'),
    ('POST', '/v1/live/{room}/pk/accept'),
    ('GET', '/v1/live/{room}/quote/{sku}'),
    ('GET', '/v1/live/{room}/recordings'),
    ('POST', '/v1/live/{room}/sales'),
    ('GET', '/v1/live/{room}/sales/{sale_id}'),
    ('POST', '/v1/live/{room}/sales/{sale_id}/buy'),
    ('POST', '/v1/live/{room}/sales/{sale_id}/end'),
    ('GET', '/v1/live/{room}/show'),
    ('POST', '/v1/live/{room}/show'),
    ('POST', '/v1/live/{room}/show/end'),
    ('POST', '/v1/live/{room}/stage/accept'),
    ('POST', '/v1/live/{room}/stage/approve'),
    ('POST', '/v1/live/{room}/stage/decline'),
    ('DELETE', '/v1/live/{room}/stage/hand'),
    ('POST', '/v1/live/{room}/stage/hand'),
    ('POST', '/v1/live/{room}/stage/invite'),
    ('POST', '/v1/live/{room}/stage/leave'),
    ('POST', '/v1/live/{room}/stage/mute'),
    ('POST', '/v1/live/{room}/stage/remove'),
    ('GET', '/v1/operator/merchants'),
    ('POST', '/v1/operator/merchants'),
    ('GET', '/v1/operator/merchants/{merchant_id}'),
    ('GET', '/v1/operator/merchants/{merchant_id}/keys'),
    ('POST', '/v1/operator/merchants/{merchant_id}/keys'),
    ('DELETE', '/v1/operator/merchants/{merchant_id}/keys/{key_id}'),
    ('GET', '/v1/operator/merchants/{merchant_id}/store'),
    ('PUT', '/v1/operator/merchants/{merchant_id}/store'),
    ('GET', '/v1/orders/{order_id}/actions'),
    ('GET', '/v1/privacy/consents'),
    ('GET', '/v1/privacy/consents/{subject}'),
    ('POST', '/v1/privacy/consents/{subject}'),
    ('POST', '/v1/privacy/customers/{customer}/erase'),
    ('POST', '/v1/privacy/customers/{customer}/export'),
    ('GET', '/v1/privacy/redaction'),
    ('DELETE', '/v1/privacy/redaction/{target}'),
    ('PUT', '/v1/privacy/redaction/{target}'),
    ('GET', '/v1/privacy/retention'),
    ('DELETE', '/v1/privacy/retention/{kind}'),
    ('PUT', '/v1/privacy/retention/{kind}'),
    ('GET', '/v1/quality/dashboard'),
    ('POST', '/v1/quality/janus-events'),
    ('POST', '/v1/quality/reports'),
    ('GET', '/v1/quality/rooms/{room}'),
    ('GET', '/v1/quality/sales'),
    ('GET', '/v1/replays/{recording_id}'),
    ('GET', '/v1/replays/{recording_id}/captions'),
    ('POST', '/v1/replays/{recording_id}/cart'),
    ('GET', '/v1/replays/{recording_id}/media/{name}'),
    ('GET', '/v1/rooms'),
    ('POST', '/v1/rooms'),
    ('GET', '/v1/rooms/{room_id}'),
    ('POST', '/v1/rooms/{room_id}/close'),
    ('GET', '/v1/rooms/{room_id}/participants'),
    ('GET', '/v1/rtm/channels/{ch}/messages'),
    ('POST', '/v1/rtm/channels/{ch}/messages'),
    ('POST', '/v1/rtm/channels/{ch}/moderation'),
    ('GET', '/v1/rtm/channels/{ch}/presence'),
    ('POST', '/v1/rtm/channels/{ch}/translations'),
    ('GET', '/v1/rtm/info'),
    ('POST', '/v1/tokens'),
    ('POST', '/v1/tokens/revoke'),
    ('GET', '/v1/translate/languages'),
    ('GET', '/v1/voice-rooms'),
    ('POST', '/v1/voice-rooms'),
    ('GET', '/v1/voice-rooms/{room_id}'),
    ('POST', '/v1/voice-rooms/{room_id}/actions'),
    ('GET', '/v1/voice-rooms/{room_id}/captions'),
    ('POST', '/v1/voice-rooms/{room_id}/captions'),
    ('POST', '/v1/voice-rooms/{room_id}/end'),
    ('POST', '/v1/voice-rooms/{room_id}/open'),
    ('GET', '/v1/webhooks'),
    ('POST', '/v1/webhooks'),
    ('DELETE', '/v1/webhooks/{webhook_id}'),
    ('GET', '/v1/webhooks/{webhook_id}'),
    ('PATCH', '/v1/webhooks/{webhook_id}'),
    ('GET', '/v1/webhooks/{webhook_id}/deliveries'),
    ('GET', '/v1/webhooks/{webhook_id}/deliveries/{delivery_id}'),
    ('POST', '/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry'),
    ('POST', '/v1/webhooks/{webhook_id}/rotate-secret'),
    ('POST', '/v1/webhooks/{webhook_id}/test'),
    ('GET', '/voice/{room}'),
    ('GET', '/voice/{room}/host'),
})
