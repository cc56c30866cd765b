"""One shopper conversation and its timeline of typed events, as pure transitions.

``apply(conversation, event)`` checks an event against the conversation's state and returns the next state;
storage appends the event and saves the state under the conversation's row lock. ``shopper_view`` is what
the shopper may see of a timeline. ``encode_event`` / ``decode_event`` are the stored JSON form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, ClassVar, Union, cast, get_args, get_origin, get_type_hints

from souk.core.errors import BadRequest, Conflict, Forbidden, TooLarge
from souk.domain.calls import CallOutcome
from souk.domain.desk.handoff import MAX_TRANSCRIPT, HandoffPacket, HandoffReason, Speaker, TranscriptLine

MAX_TEXT = 4000  # a message or a note, characters
MAX_COMMENT = 1000  # a CSAT comment
MAX_TOOLS = 20  # tool calls recorded on one AI message
MAX_EVENTS = 5000  # events on one conversation


class Channel(str, Enum):
    ASSISTANT_TEXT = "assistant_text"
    ASSISTANT_VOICE = "assistant_voice"
    LIVE_QUESTION = "live_question"
    CONSULT = "consult"


class Status(str, Enum):
    AI = "ai"  # the assistant answers
    QUEUED = "queued"  # handed off, waiting for a human
    ASSIGNED = "assigned"  # a human has it
    CLOSED = "closed"  # final: a closed conversation is never reopened (a new one starts)


class Resolution(str, Enum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    ABANDONED = "abandoned"  # the shopper left
    SPAM = "spam"


@dataclass(frozen=True, slots=True)
class Conversation:
    merchant_id: str
    id: str
    channel: Channel
    shopper_identity: str
    language: str
    created_at: dt.datetime
    updated_at: dt.datetime
    status: Status = Status.AI
    customer_id: str | None = None  # the signed-in customer, None for a guest
    queue: str | None = None  # the queue it waits in or was last routed through
    agent_id: str | None = None  # the human who has it now
    active_call: str | None = None  # the call id while a call runs
    closed_at: dt.datetime | None = None
    resolution: Resolution | None = None
    csat: int | None = None
    events: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.merchant_id, self.id)


def open_conversation(merchant_id: str, conversation_id: str, channel: Channel, shopper_identity: str,
                      language: str, at: dt.datetime, *, customer_id: str | None = None) -> Conversation:
    if not merchant_id or not conversation_id or not shopper_identity:
        raise BadRequest("a conversation needs a merchant, an id and a shopper", code="bad_conversation")
    _aware(at)
    return Conversation(merchant_id, conversation_id, channel, shopper_identity, language, at, at,
                        customer_id=customer_id)


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    ok: bool = True
    detail: str = ""  # a short summary of arguments and result, staff only


@dataclass(frozen=True, slots=True)
class ShopperMessage:
    kind: ClassVar[str] = "shopper_message"
    at: dt.datetime
    text: str


@dataclass(frozen=True, slots=True)
class AiMessage:
    kind: ClassVar[str] = "ai_message"
    at: dt.datetime
    text: str
    tools: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentMessage:
    kind: ClassVar[str] = "agent_message"
    at: dt.datetime
    agent_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Handoff:
    kind: ClassVar[str] = "handoff"
    at: dt.datetime
    reason: HandoffReason
    queue: str
    packet: HandoffPacket | None = None


@dataclass(frozen=True, slots=True)
class Assigned:
    kind: ClassVar[str] = "assigned"
    at: dt.datetime
    agent_id: str


@dataclass(frozen=True, slots=True)
class Transferred:
    """To another agent (``to_agent``) or back into a queue (``to_queue``: a transfer or a re-queue)."""

    kind: ClassVar[str] = "transferred"
    at: dt.datetime
    to_agent: str | None = None
    to_queue: str | None = None
    reason: str = ""  # staff only, e.g. "agent_disconnected"


@dataclass(frozen=True, slots=True)
class HandedBack:
    kind: ClassVar[str] = "handed_back"
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class CallStarted:
    kind: ClassVar[str] = "call_started"
    at: dt.datetime
    call_id: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    kind: ClassVar[str] = "call_ended"
    at: dt.datetime
    call_id: str
    outcome: CallOutcome
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class InternalNote:
    kind: ClassVar[str] = "internal_note"
    at: dt.datetime
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Closed:
    kind: ClassVar[str] = "closed"
    at: dt.datetime
    resolution: Resolution
    by: str | None = None  # the agent, None when the AI or the system closed it


@dataclass(frozen=True, slots=True)
class Csat:
    kind: ClassVar[str] = "csat"
    at: dt.datetime
    score: int
    comment: str = ""


Event = (ShopperMessage | AiMessage | AgentMessage | Handoff | Assigned | Transferred | HandedBack
         | CallStarted | CallEnded | InternalNote | Closed | Csat)
EVENT_TYPES: dict[str, type[Event]] = {t.kind: t for t in (
    ShopperMessage, AiMessage, AgentMessage, Handoff, Assigned, Transferred, HandedBack, CallStarted,
    CallEnded, InternalNote, Closed, Csat)}


def _text(text: str, limit: int = MAX_TEXT, *, empty_ok: bool = False) -> None:
    if not empty_ok and not text.strip():
        raise BadRequest("empty text", code="empty_text")
    if len(text) > limit:
        raise TooLarge(f"text over {limit} characters", code="text_too_long", details={"max": limit})


def _aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise BadRequest("times carry their UTC offset", code="naive_time")


def _conflict(c: Conversation, event: Event, code: str) -> Conflict:
    return Conflict(f"{event.kind} not allowed on a conversation that is {c.status.value}", code=code,
                    details={"conversation": c.id, "status": c.status.value})


def apply(c: Conversation, event: Event) -> Conversation:
    """The conversation after ``event``. 400/413 on bad input, 409 on a transition its state forbids."""
    _aware(event.at)
    if event.at < c.updated_at:
        raise BadRequest("an event cannot precede the conversation's last one", code="event_out_of_order")
    if c.events >= MAX_EVENTS:
        raise TooLarge(f"a conversation holds at most {MAX_EVENTS} events", code="timeline_full")
    closed = c.status is Status.CLOSED
    if closed and not isinstance(event, (InternalNote, Csat)):
        raise _conflict(c, event, "conversation_closed")
    nxt = dataclasses.replace(c, updated_at=event.at, events=c.events + 1)
    match event:
        case ShopperMessage(text=text):
            _text(text)
            return nxt
        case AiMessage(text=text, tools=tools):
            _text(text)
            if len(tools) > MAX_TOOLS:
                raise TooLarge(f"at most {MAX_TOOLS} tool calls per message", code="too_many_tools")
            for tool in tools:
                _text(tool.detail, empty_ok=True)
            return nxt
        case AgentMessage(agent_id=agent, text=text):
            _text(text)
            if c.status is not Status.ASSIGNED:
                raise _conflict(c, event, "not_assigned")
            if agent != c.agent_id:
                raise Forbidden("only the assigned agent writes in this conversation", code="not_your_conversation")
            return nxt
        case Handoff(queue=queue):
            if c.status is not Status.AI:
                raise _conflict(c, event, "already_handed_off")
            if not queue:
                raise BadRequest("a hand-off needs a queue", code="bad_queue")
            return dataclasses.replace(nxt, status=Status.QUEUED, queue=queue)
        case Assigned(agent_id=agent):
            if c.status is not Status.QUEUED:
                raise _conflict(c, event, "not_queued")
            if not agent:
                raise BadRequest("an assignment needs an agent", code="bad_agent")
            return dataclasses.replace(nxt, status=Status.ASSIGNED, agent_id=agent)
        case Transferred(to_agent=agent, to_queue=queue):
            if c.status not in (Status.QUEUED, Status.ASSIGNED):
                raise _conflict(c, event, "not_with_humans")
            if bool(agent) == bool(queue):
                raise BadRequest("a transfer goes to one agent or one queue", code="bad_transfer")
            if agent:
                return dataclasses.replace(nxt, status=Status.ASSIGNED, agent_id=agent)
            return dataclasses.replace(nxt, status=Status.QUEUED, queue=queue, agent_id=None)
        case HandedBack():
            if c.status not in (Status.QUEUED, Status.ASSIGNED):
                raise _conflict(c, event, "not_with_humans")
            return dataclasses.replace(nxt, status=Status.AI, agent_id=None)
        case CallStarted(call_id=call_id):
            if c.active_call is not None:
                raise _conflict(c, event, "call_active")
            if not call_id:
                raise BadRequest("a call needs an id", code="bad_call")
            return dataclasses.replace(nxt, active_call=call_id)
        case CallEnded(call_id=call_id, duration_s=duration):
            if c.active_call != call_id:
                raise _conflict(c, event, "no_such_call")
            if not duration >= 0:
                raise BadRequest("a call's length cannot be negative", code="bad_call")
            return dataclasses.replace(nxt, active_call=None)
        case InternalNote(author_id=author, text=text):
            _text(text)
            if not author:
                raise BadRequest("a note needs its author", code="bad_note")
            return nxt
        case Closed(resolution=resolution):
            if c.active_call is not None:
                raise _conflict(c, event, "call_active")
            return dataclasses.replace(nxt, status=Status.CLOSED, closed_at=event.at, resolution=resolution,
                                       agent_id=None, active_call=None)
        case Csat(score=score, comment=comment):
            if not closed:
                raise _conflict(c, event, "csat_before_close")
            if c.csat is not None:
                raise _conflict(c, event, "csat_given")
            if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
                raise BadRequest("a CSAT score is a whole number from 1 to 5", code="bad_csat")
            _text(comment, MAX_COMMENT, empty_ok=True)
            return dataclasses.replace(nxt, csat=score)
    raise BadRequest(f"unknown event {event!r}", code="bad_event")  # pragma: no cover - the match is total


@dataclass(frozen=True, slots=True)
class Timeline:
    """A conversation's state and every event that led to it, oldest first."""

    conversation: Conversation
    events: tuple[Event, ...] = ()

    def add(self, event: Event) -> Timeline:
        return Timeline(apply(self.conversation, event), (*self.events, event))


def replay(start: Conversation, events: Iterable[Event]) -> Timeline:
    timeline = Timeline(start)
    for event in events:
        timeline = timeline.add(event)
    return timeline


def shopper_view(events: Iterable[Event]) -> tuple[Event, ...]:
    """The timeline as the shopper may see it: no internal notes, no tool calls, no packet, no staff reasons."""
    out: list[Event] = []
    for event in events:
        match event:
            case InternalNote():
                continue
            case AiMessage(tools=tools) if tools:
                out.append(dataclasses.replace(event, tools=()))
            case Handoff(packet=packet) if packet is not None:
                out.append(dataclasses.replace(event, packet=None))
            case Transferred(reason=reason) if reason:
                out.append(dataclasses.replace(event, reason=""))
            case _:
                out.append(event)
    return tuple(out)


def transcript(events: Iterable[Event], *, limit: int = MAX_TRANSCRIPT) -> tuple[TranscriptLine, ...]:
    """The last ``limit`` messages as the shopper saw or heard them, for a hand-off packet."""
    lines: list[TranscriptLine] = []
    for e in events:
        if isinstance(e, ShopperMessage):
            lines.append(TranscriptLine(e.at, Speaker.SHOPPER, e.text))
        elif isinstance(e, AiMessage):
            lines.append(TranscriptLine(e.at, Speaker.AI, e.text))
        elif isinstance(e, AgentMessage):
            lines.append(TranscriptLine(e.at, Speaker.AGENT, e.text))
    return tuple(lines[-limit:]) if limit > 0 else ()


# The stored form: {"kind": ..., field: JSON value}. Datetimes as ISO 8601, enums as their values, Decimal as
# a string, nested dataclasses as objects, tuples as arrays; decoding reads the field types back.

def encode_event(event: Event) -> dict[str, Any]:
    return {"kind": event.kind, **_encode(event)}


def decode_event(data: Any) -> Event:
    """An event from its stored form: 400 ``bad_event`` on anything that does not fit."""
    if not isinstance(data, dict) or data.get("kind") not in EVENT_TYPES:
        raise BadRequest("not a conversation event", code="bad_event")
    cls = EVENT_TYPES[data["kind"]]
    try:
        value = _decode(cls, {k: v for k, v in data.items() if k != "kind"})
    except (TypeError, ValueError, KeyError, InvalidOperation) as e:
        raise BadRequest(f"bad {data['kind']} event: {e}", code="bad_event") from e
    return cast(Event, value)


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


_SCALARS: dict[Any, type] = {str: str, int: int, float: float, bool: bool}


def _decode(tp: Any, raw: Any) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, raw)
    if origin is tuple:
        if not isinstance(raw, list):
            raise TypeError(f"expected a list, got {type(raw).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in raw)
        if len(args) != len(raw):
            raise ValueError("wrong tuple length")
        return tuple(_decode(a, v) for a, v in zip(args, raw, strict=True))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(raw, dict):
            raise TypeError(f"expected an object for {tp.__name__}")
        hints = _hints(tp)
        unknown = set(raw) - set(hints)
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return tp(**{name: _decode(hints[name], v) for name, v in raw.items()})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(raw)
    if tp is dt.datetime:
        if not isinstance(raw, str):
            raise TypeError("expected an ISO 8601 string")
        return dt.datetime.fromisoformat(raw)
    if tp is Decimal:
        if not isinstance(raw, str):
            raise TypeError("expected a decimal string")
        return Decimal(raw)
    if tp is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if tp in _SCALARS and type(raw) is tp:
        return raw
    raise TypeError(f"expected {tp}, got {type(raw).__name__}")


@functools.cache
def _hints(tp: type) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(tp)}
    return {k: v for k, v in get_type_hints(tp).items() if k in names}
