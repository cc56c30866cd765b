"""The cheap viewer's ICE answers, without Janus: a fake transport records what it sends."""

from __future__ import annotations

from typing import Any

from aioice import stun

from souk.bench.live.cheap import CheapIdentity, CheapViewer
from souk.bench.live.rtpcount import parse_offer
from tests.unit.bench.test_live_rtpcount import OFFER

JANUS = ("127.0.0.2", 20512)


class _Transport:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str, int]]] = []

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sent.append((data, addr))

    def close(self) -> None:
        pass


def _viewer() -> tuple[CheapViewer, _Transport]:
    v = CheapViewer(parse_offer(OFFER), CheapIdentity())
    t = _Transport()
    v.connection_made(t)  # type: ignore[arg-type]
    return v, t


def _request(v: CheapViewer, attrs: dict[str, Any] | None = None, *, ufrag: str | None = None,
             key: str | None = None) -> bytes:
    req = stun.Message(stun.Method.BINDING, stun.Class.REQUEST)
    req.attributes["USERNAME"] = f"{ufrag or v.ufrag}:Jufr"
    req.attributes.update(attrs or {})
    req.add_message_integrity((key or v.pwd).encode())
    return bytes(req)


def test_a_check_from_janus_gets_a_signed_success_with_its_address() -> None:
    v, t = _viewer()
    v.datagram_received(_request(v, {"ICE-CONTROLLED": 1, "PRIORITY": 1}), JANUS)
    [(data, addr)] = t.sent
    resp = stun.parse_message(data)
    assert resp.check_message_integrity(v.pwd.encode())
    assert addr == JANUS and resp.message_class == stun.Class.RESPONSE
    assert resp.attributes["XOR-MAPPED-ADDRESS"] == JANUS and v.controlling


def test_checks_with_a_wrong_ufrag_or_password_are_ignored() -> None:
    v, t = _viewer()
    v.datagram_received(_request(v, ufrag="other"), JANUS)
    v.datagram_received(_request(v, key="wrong-password"), JANUS)
    assert t.sent == []


def test_a_role_conflict_is_settled_by_the_tiebreaker() -> None:
    v, t = _viewer()
    v.tiebreaker = 10
    v.datagram_received(_request(v, {"ICE-CONTROLLING": 5}), JANUS)  # ours is larger: we stay controlling
    err = stun.parse_message(t.sent[-1][0])
    assert err.message_class == stun.Class.ERROR and err.error_code == 487 and v.controlling
    v.datagram_received(_request(v, {"ICE-CONTROLLING": 50, "USE-CANDIDATE": None}), JANUS)  # theirs larger
    ok = stun.parse_message(t.sent[-1][0])
    assert ok.message_class == stun.Class.RESPONSE and not v.controlling and v.peer == JANUS


def test_a_success_to_our_check_marks_ice_up() -> None:
    v, _ = _viewer()
    req = stun.Message(stun.Method.BINDING, stun.Class.REQUEST)
    v._pending[req.transaction_id] = JANUS
    resp = stun.Message(stun.Method.BINDING, stun.Class.RESPONSE, transaction_id=req.transaction_id)
    resp.add_message_integrity(b"Jpwd0123456789")
    v.datagram_received(bytes(resp), JANUS)
    assert v.ice_ok_at is not None and v.peer == JANUS


def test_rtp_headers_are_counted_per_kind_and_rtcp_is_not() -> None:
    v, _ = _viewer()

    def rtp(pt: int, seq: int, ts: int, marker: bool) -> bytes:
        return (bytes([0x80, (0x80 if marker else 0) | pt]) + seq.to_bytes(2, "big") + ts.to_bytes(4, "big")
                + (1234).to_bytes(4, "big") + b"\x00" * 20)

    for i in (0, 1, 3):  # 2 lost
        v.datagram_received(rtp(96, i, 3000 * i, True), JANUS)
    v.datagram_received(rtp(111, 7, 960, True), JANUS)
    v.datagram_received(bytes([0x80, 200]) + b"\x00" * 26, JANUS)  # a sender report
    s = v.stats()
    assert (s["received"], s["lost"], s["frames"], s["audio_received"]) == (3, 1, 3, 1)
    assert v.rtcp_in == 1 and len(s["lags_ms"]) == 3
