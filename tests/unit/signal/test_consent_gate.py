"""The recorder's consent gate without Janus (souk.signal.consent_gate, souk.signal.live_room.recorded_file):
the host is recorded without being asked, a co-host only with a standing yes (else told ``not_recorded``), no
consent service means nobody but the host (fail closed), and a withdrawal stops the co-host's recorder once."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from souk.auth.tokens import TokenService
from souk.core.tenancy import RoomKey
from souk.signal.hub import Member, Outbox, SignalHub
from souk.signal.live_room import recorded_file

ROOM = RoomKey("shop", "live-1")
TOKENS = TokenService("x" * 32)


class Stage:
    max_publishers = 4

    def recording_name_for(self, room: RoomKey, identity: str) -> str | None:
        return f"shop/live-1/show-1/{identity}-1"


@dataclass
class Consent:
    yes: set[str] = field(default_factory=set)
    watchers: dict[str, list[Callable[[Any], Coroutine[Any, Any, None]]]] = field(default_factory=dict)

    async def may_record(self, merchant_id: str, subject: str) -> bool:
        return subject in self.yes

    def on_withdraw(self, merchant_id: str, subject: str,
                    watcher: Callable[[Any], Coroutine[Any, Any, None]]) -> Callable[[], None]:
        self.watchers.setdefault(subject, []).append(watcher)
        return lambda: self.watchers[subject].remove(watcher)


@dataclass
class Kind:
    kind: str


class Publisher:
    def __init__(self) -> None:
        self.stopped = 0

    async def stop_recording(self) -> None:
        self.stopped += 1


class Session:
    def __init__(self, identity: str, role: str, hub: SignalHub) -> None:
        self.claims = TOKENS.verify(TOKENS.mint(merchant_id="shop", identity=identity, room="live-1", role=role))
        self.stage, self.outbox, self.hub = Stage(), Outbox(), hub
        self.publisher: Publisher | None = None
        self.room = ROOM

    def told(self) -> list[str]:
        out = []
        while not self.outbox.queue.empty():
            frame = self.outbox.queue.get_nowait()
            out.append(json.loads(frame or b"{}").get("event", ""))
        return out


async def test_host_always_cohost_only_with_consent_and_withdrawal_stops(tmp_path: Path) -> None:
    hub = SignalHub()
    consent = Consent(yes={"ana"})
    hub.consent = consent
    host, ana, bo = (Session("hana", "host", hub), Session("ana", "cohost", hub), Session("bo", "cohost", hub))
    assert await recorded_file(host, ROOM, tmp_path) == "shop/live-1/show-1/hana-1"  # type: ignore[arg-type]
    assert await recorded_file(ana, ROOM, tmp_path) == "shop/live-1/show-1/ana-1"  # type: ignore[arg-type]
    assert await recorded_file(bo, ROOM, tmp_path) is None  # type: ignore[arg-type]
    assert bo.told() == ["not_recorded"] and ana.told() == []

    # ana publishes recorded, then withdraws: her recorder stops once, she is told
    ana.publisher = Publisher()
    hub.add_member(ROOM, Member(identity="ana", role="cohost", name="Ana", session=ana))  # type: ignore[arg-type]
    await consent.watchers["ana"][0](Kind("marketing"))  # another kind: nothing
    assert ana.publisher.stopped == 0
    await consent.watchers["ana"][0](Kind("recording"))
    assert ana.publisher.stopped == 1 and ana.told() == ["recording_stopped"]
    assert consent.watchers["ana"] == [] and hub.recording_watches == {}  # the watch ended


async def test_no_consent_service_records_nobody_but_the_host(tmp_path: Path) -> None:
    hub = SignalHub()
    host, ana = Session("hana", "host", hub), Session("ana", "cohost", hub)
    assert await recorded_file(host, ROOM, tmp_path) is not None  # type: ignore[arg-type]
    assert await recorded_file(ana, ROOM, tmp_path) is None  # type: ignore[arg-type]
    assert ana.told() == ["not_recorded"]
