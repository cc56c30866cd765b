"""The desk API's bodies: what the staff routes (``souk.api.routes.desk``) take, with the limits and patterns the
desk's domain checks, so a body the schema allows is one the desk accepts."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from souk.api.params import money
from souk.domain.desk.routing import Presence
from souk.domain.desk.timeline import Resolution

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
AGENT_PATTERN = r"^[A-Za-z0-9_.@:-]{1,128}$"  # souk.domain.desk.staff: a staff token's identity
WORD_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
QUEUE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?(:[A-Za-z0-9_.-]{0,64})?(:(vip|video)){0,2}$"
TEXT_PATTERN = r"\S"  # not only blanks


class StatusFilter(str, Enum):
    ai = "ai"
    queued = "queued"
    assigned = "assigned"
    closed = "closed"


def one_of(*names: str) -> dict[str, Any]:
    """Exactly one of ``names`` is given (as a string): stated in the schema, checked by the route."""
    return {"oneOf": [{"required": [n], "properties": {n: {"type": "string"}}} for n in names]}


class ReplyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=one_of("text", "canned_id"))

    text: str | None = Field(default=None, max_length=4000, pattern=TEXT_PATTERN)
    canned_id: str | None = Field(default=None, pattern=WORD_PATTERN,
                                  description="a canned reply of the desk settings, sent in the conversation's "
                                              "language; one of text or canned_id")


class NoteIn(BaseModel):
    text: str = Field(max_length=4000, pattern=TEXT_PATTERN)


class TransferIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=one_of("agent_id", "queue"))

    agent_id: str | None = Field(default=None, pattern=AGENT_PATTERN, description="an online colleague")
    queue: str | None = Field(default=None, pattern=QUEUE_PATTERN, description=(
        "a queue: language[:category][:vip][:video], e.g. 'es', 'en:furniture:vip'"))
    reason: str = Field(default="", max_length=200)


class CloseIn(BaseModel):
    resolution: Resolution = Resolution.RESOLVED


class PresenceIn(BaseModel):
    presence: Presence


class SkillsIn(BaseModel):
    languages: list[Annotated[str, Field(pattern=WORD_PATTERN)]] = Field(default_factory=list, max_length=100)
    categories: list[Annotated[str, Field(pattern=WORD_PATTERN)]] = Field(default_factory=list, max_length=100)
    vip: bool = False
    video: bool = False


class AgentIn(BaseModel):
    name: str = Field(default="", max_length=120)
    capacity: int = Field(default=3, ge=1, le=50, description="chats at once; a video call takes all of it")
    skills: SkillsIn = Field(default_factory=SkillsIn)


# an end of 00:00 is written 24:00; start and end differ (SAME_HOURS, stated in the schema, checked by the domain)
HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(00:(0[1-9]|[1-5][0-9])|(0[1-9]|1[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
SAME_HOURS = r"^([0-9:]{5})-\1$"
OFFSET_PATTERN = r"^[+-](0[0-9]|1[0-3]):[0-5][0-9]$|^[+-]14:00$"
LANG_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"


class HoursIn(BaseModel):
    hours: str = Field(pattern=HOURS_PATTERN, json_schema_extra={"not": {"pattern": SAME_HOURS}}, description='"HH:MM-HH:MM" on the merchant\'s clock (an end '
                                                          'before the start runs past midnight)')
    utc_offset: str = Field(pattern=OFFSET_PATTERN, description='"+HH:MM" or "-HH:MM"')
    days: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(default=None, min_length=1, max_length=7,
                                                                  description="0 = Monday; all days by default")


class TargetsIn(BaseModel):
    first_response_s: float = Field(gt=0, le=365 * 86400)
    resolution_s: float = Field(gt=0, le=365 * 86400)


class SlaIn(BaseModel):
    default: TargetsIn
    queues: dict[Annotated[str, Field(max_length=64)], TargetsIn] = Field(default_factory=dict, max_length=100)


class HandoffReasonName(str, Enum):
    explicit_request = "explicit_request"
    frustration = "frustration"
    damaged_or_wrong_item = "damaged_or_wrong_item"
    repeated_failure = "repeated_failure"
    high_value_order = "high_value_order"
    vip = "vip"
    not_allowed = "not_allowed"


class SignalName(str, Enum):
    explicit_request = "explicit_request"
    frustration_count = "frustration_count"
    damaged_or_wrong_item = "damaged_or_wrong_item"
    same_question_failures = "same_question_failures"
    order_value = "order_value"
    vip = "vip"
    forbidden_request = "forbidden_request"


# a rule's level or an amount: a positive whole number, or a decimal string with at most 2 decimals
Level = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2), money(int_digits=12, positive=True)]


class RuleIn(BaseModel):
    reason: HandoffReasonName
    signal: SignalName
    at_least: Level = Decimal(1)


class HandoffIn(BaseModel):
    rules: list[RuleIn] | None = Field(default=None, max_length=20)
    order_value_threshold: Level | None = Field(default=None, description="in the store's currency")


class CannedIn(BaseModel):
    id: str = Field(pattern=WORD_PATTERN)
    title: str = Field(default="", max_length=200)
    texts: dict[Annotated[str, Field(pattern=LANG_PATTERN)], Annotated[str, Field(min_length=1, max_length=2000)]] \
        = Field(min_length=1, max_length=50, description="language -> text",
                json_schema_extra={"additionalProperties": False})


class SettingsIn(BaseModel):
    """Keys left out keep their current value."""

    handoff: HandoffIn | None = None
    sla: SlaIn | None = None
    hours: HoursIn | None = Field(default=None, description="null: people answer whenever one is online")
    max_wait_s: float | None = Field(default=None, gt=0, le=7 * 86400,
                                     description="then overflow to any online agent; null: never")
    canned: list[CannedIn] | None = Field(default=None, max_length=200)
    email_offer: bool | None = None
