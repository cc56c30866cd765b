"""A cheap live-bench viewer: ICE, DTLS-SRTP handshake, then RTP counted and timed from its clear headers.

An aiortc viewer costs ~2 % of a core even when it does not decode (per packet it runs SRTP, RTP parsing, a
jitter buffer and NACK/RTCP logic in Python); on 2 cores the bots, not Janus, were the limit at 40 viewers. This
viewer does per packet only what the bench reads: one ``datagram_received`` that reads the RTP header (payload
stays encrypted: no keys, no decoder) into :class:`~souk.bench.live.rtpcount.SeqCounter` and, for a video
frame's marker packet, :class:`~souk.bench.live.rtpcount.FrameClock`.

To Janus it is an ordinary WebRTC subscriber: a full ICE agent on one UDP socket (Janus, offering to a
subscriber, is the controlled agent: this viewer sends checks with USE-CANDIDATE and answers Janus's; a role
conflict (487) or a check from a controlling Janus flips its role), and the DTLS *server* (``setup:passive``)
so Janus's ClientHello goes out only once ICE works. The handshake negotiates DTLS-SRTP as Janus requires. Janus's certificate is not checked against its fingerprint: a bench on loopback.
The keys are derived only to protect one RTCP receiver report a second (loss per stream, as a browser sends);
it sends no NACK and no PLI, so no viewer of this kind ever makes the publisher send a keyframe.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from typing import Any

from aioice import stun
from aiortc.rtp import RtcpReceiverInfo, RtcpRrPacket
from OpenSSL import SSL
from pylibsrtp import Policy, Session

from souk.bench.live.rtpcount import FrameClock, Offer, SeqCounter, answer_sdp, parse_offer

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 0.05  # connectivity checks until one succeeds
KEEPALIVE_S = 2.5  # then one every few seconds (consent)
REPORT_S = 1.0  # an RTCP receiver report a second, as a browser sends
SRTP_KEY, SRTP_SALT = 16, 14  # SRTP_AES128_CM_SHA1_80
RCVBUF = 1 << 20  # asked; the kernel caps it at net.core.rmem_max
SRTP_PROFILES = b"SRTP_AES128_CM_SHA1_80"
PRFLX_PRIORITY = 1853824767


class CheapIdentity:
    """The DTLS certificate and SSL context shared by every cheap viewer of a worker process."""

    def __init__(self) -> None:
        from aiortc.rtcdtlstransport import RTCCertificate

        cert = RTCCertificate.generateCertificate()
        self.fingerprint = "sha-256 " + next(f.value for f in cert.getFingerprints() if f.algorithm == "sha-256")
        ctx = SSL.Context(SSL.DTLS_METHOD)
        ctx.set_options(SSL.OP_NO_TICKET)
        ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, lambda *_args: True)
        ctx.use_certificate(cert._cert)  # aiortc's own certificate helper (pinned aiortc==1.16.0)
        ctx.use_privatekey(cert._key)
        ctx.set_cipher_list(b"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA")
        ctx.set_tlsext_use_srtp(SRTP_PROFILES)
        self.context = ctx


class CheapViewer(asyncio.DatagramProtocol):
    """One subscriber; build it with :meth:`create`, which also returns the SDP answer for Janus."""

    def __init__(self, offer: Offer, identity: CheapIdentity) -> None:
        self.offer = offer
        self.ufrag = secrets.token_hex(4)
        self.pwd = secrets.token_hex(16)
        self.controlling = True
        self.tiebreaker = int.from_bytes(os.urandom(8), "big")
        self.peer: tuple[str, int] | None = None
        self.ice_ok_at: float | None = None
        self.dtls_ok_at: float | None = None
        self.started_at = time.monotonic()
        self.rcvbuf = 0
        self.stun_in = self.dtls_in = self.rtcp_in = self.other_in = 0
        self._transport: asyncio.DatagramTransport | None = None
        self._ssl = SSL.Connection(identity.context)
        self._ssl.set_accept_state()
        self._pending: dict[bytes, tuple[str, int]] = {}
        self._checks: asyncio.Task[None] | None = None
        self._dtls_timer: asyncio.TimerHandle | None = None
        self._kinds: dict[int, str] = {m.payload_type: m.kind for m in offer.media if m.payload_type is not None}
        self.streams: dict[str, SeqCounter] = {kind: SeqCounter() for kind in set(self._kinds.values())}
        self.clock = FrameClock()
        self._video_pt = next((pt for pt, kind in self._kinds.items() if kind == "video"), -1)
        self._ssrcs: dict[str, int] = {}  # the media SSRC Janus sends each kind with
        self._own_ssrc = secrets.randbits(32)
        self._srtcp: Session | None = None  # protects our receiver reports (keys from the DTLS handshake)
        self.reports_sent = 0

    @classmethod
    async def create(cls, offer_sdp: str, identity: CheapIdentity, host: str) -> tuple[CheapViewer, str]:
        viewer = cls(parse_offer(offer_sdp), identity)
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.bind((host, 0))
            sock.setblocking(False)
            await loop.create_datagram_endpoint(lambda: viewer, sock=sock)
        except BaseException:
            sock.close()
            raise
        viewer.rcvbuf = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        port = sock.getsockname()[1]
        answer = answer_sdp(viewer.offer, ufrag=viewer.ufrag, pwd=viewer.pwd, fingerprint=identity.fingerprint,
                            host=host, port=port, session_id=secrets.randbits(62))
        viewer._checks = loop.create_task(viewer._run_checks(), name=f"cheap-viewer-ice-{port}")
        return viewer, answer

    # ---------------------------------------------------------------- packets in

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram endpoint's transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        b0 = data[0]
        if 127 < b0 < 192 and len(data) >= 12:
            b1 = data[1]
            if 192 <= b1 <= 223:  # RTCP (rtcp-mux): Janus's sender reports
                self.rtcp_in += 1
                return
            pt = b1 & 0x7F
            kind = self._kinds.get(pt)
            if kind is None:
                self.other_in += 1
                return
            self.streams[kind].add((data[2] << 8) | data[3])
            if kind not in self._ssrcs:
                self._ssrcs[kind] = int.from_bytes(data[8:12], "big")
            if b1 & 0x80 and pt == self._video_pt:
                self.clock.frame(int.from_bytes(data[4:8], "big"), time.monotonic() * 1000)
        elif b0 < 2:
            self.stun_in += 1
            self._stun(data, addr)
        elif 19 < b0 < 64:
            self.dtls_in += 1
            self._dtls(data, addr)
        else:
            self.other_in += 1

    def error_received(self, exc: Exception) -> None:
        log.debug("cheap viewer socket error: %s", exc)

    # ---------------------------------------------------------------- ICE

    def _stun(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            msg = stun.parse_message(data)
        except ValueError:
            return
        if msg.message_method != stun.Method.BINDING:
            return
        if msg.message_class == stun.Class.REQUEST:
            if not str(msg.attributes.get("USERNAME", "")).startswith(self.ufrag + ":"):
                return
            if not msg.check_message_integrity(self.pwd.encode()):
                return
            if "ICE-CONTROLLING" in msg.attributes and self.controlling:
                if self.tiebreaker >= msg.attributes["ICE-CONTROLLING"]:  # RFC 8445 7.3.1.1: we stay controlling
                    err = stun.Message(stun.Method.BINDING, stun.Class.ERROR, transaction_id=msg.transaction_id)
                    err.attributes["ERROR-CODE"] = (487, "Role Conflict")
                    err.add_message_integrity(self.pwd.encode())
                    self._send(bytes(err), addr)
                    return
                self.controlling = False
            resp = stun.Message(stun.Method.BINDING, stun.Class.RESPONSE, transaction_id=msg.transaction_id)
            resp.attributes["XOR-MAPPED-ADDRESS"] = addr
            resp.add_message_integrity(self.pwd.encode())
            self._send(bytes(resp), addr)
            if self.peer is None and not self.controlling and "USE-CANDIDATE" in msg.attributes:
                self.peer = addr  # Janus nominated this pair
        elif msg.transaction_id in self._pending:
            self._pending.pop(msg.transaction_id)
            if msg.message_class == stun.Class.RESPONSE:
                if self.ice_ok_at is None:
                    self.ice_ok_at = time.monotonic()
                if self.peer is None:
                    self.peer = addr
            elif msg.message_class == stun.Class.ERROR and msg.error_code == 487:
                self.controlling = not self.controlling

    async def _run_checks(self) -> None:
        loop = asyncio.get_running_loop()
        last_check = 0.0
        while True:
            if self.ice_ok_at is not None:
                self._send_report()
                if loop.time() - last_check < KEEPALIVE_S:
                    await asyncio.sleep(REPORT_S)
                    continue
            last_check = loop.time()
            for cand in self.offer.candidates:
                req = stun.Message(stun.Method.BINDING, stun.Class.REQUEST)
                req.attributes["USERNAME"] = f"{self.offer.ice_ufrag}:{self.ufrag}"
                req.attributes["PRIORITY"] = PRFLX_PRIORITY
                if self.controlling:
                    req.attributes["ICE-CONTROLLING"] = self.tiebreaker
                    req.attributes["USE-CANDIDATE"] = None
                else:
                    req.attributes["ICE-CONTROLLED"] = self.tiebreaker
                req.add_message_integrity(self.offer.ice_pwd.encode())
                if len(self._pending) > 64:
                    self._pending.clear()
                self._pending[req.transaction_id] = cand
                self._send(bytes(req), cand)
            await asyncio.sleep(REPORT_S if self.ice_ok_at is not None else CHECK_INTERVAL_S)

    # ---------------------------------------------------------------- DTLS

    def _dtls(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.peer is None:
            self.peer = addr
        self._ssl.bio_write(data)
        if self.dtls_ok_at is None:
            try:
                self._ssl.do_handshake()
                self.dtls_ok_at = time.monotonic()
                if self._ssl.get_selected_srtp_profile() != SRTP_PROFILES:
                    log.warning("cheap viewer: DTLS without the SRTP profile")
                else:
                    self._srtcp = self._outbound_srtp()
            except SSL.WantReadError:
                pass
            except SSL.Error as exc:
                log.warning("cheap viewer: DTLS handshake failed: %s", exc)
        else:
            try:
                self._ssl.recv(1500)  # alerts, close_notify
            except SSL.Error:
                pass
        self._flush()
        self._arm_dtls_timer()

    def _flush(self) -> None:
        while True:
            try:
                out = self._ssl.bio_read(1500)
            except SSL.WantReadError:
                return
            if out and self.peer is not None:
                self._send(out, self.peer)

    def _arm_dtls_timer(self) -> None:
        if self._dtls_timer is not None:
            self._dtls_timer.cancel()
            self._dtls_timer = None
        if self.dtls_ok_at is not None or self._transport is None:
            return
        timeout = self._ssl.DTLSv1_get_timeout()
        if timeout is not None:
            self._dtls_timer = asyncio.get_running_loop().call_later(max(timeout, 0.01), self._dtls_timeout)

    def _dtls_timeout(self) -> None:
        self._dtls_timer = None
        self._ssl.DTLSv1_handle_timeout()
        self._flush()
        self._arm_dtls_timer()

    def _outbound_srtp(self) -> Session:
        """Our SRTP(C) keys as the DTLS server (RFC 5764 4.2: client key, server key, client salt, server salt)."""
        view = self._ssl.export_keying_material(b"EXTRACTOR-dtls_srtp", 2 * (SRTP_KEY + SRTP_SALT))
        key = view[SRTP_KEY:2 * SRTP_KEY] + view[2 * SRTP_KEY + SRTP_SALT:]
        policy = Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND,
                        srtp_profile=Policy.SRTP_PROFILE_AES128_CM_SHA1_80)
        return Session(policy)

    def _send_report(self) -> None:
        """A receiver report per stream received, each with its one block (Janus files a report under the
        stream its first block names): loss as RFC 3550 counts it; no jitter or round-trip fields, since this
        viewer neither times every packet nor reads Janus's sender reports."""
        if self._srtcp is None or self.peer is None:
            return
        for kind, ssrc in self._ssrcs.items():
            fraction, cumulative, highest = self.streams[kind].report_block()
            block = RtcpReceiverInfo(ssrc=ssrc, fraction_lost=fraction, packets_lost=cumulative,
                                     highest_sequence=highest, jitter=0, lsr=0, dlsr=0)
            packet = bytes(RtcpRrPacket(ssrc=self._own_ssrc, reports=[block]))
            self._send(self._srtcp.protect_rtcp(packet), self.peer)
            self.reports_sent += 1

    # ---------------------------------------------------------------- out

    def _send(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(data, addr)

    def stats(self) -> dict[str, Any]:
        video = self.streams.get("video", SeqCounter())
        audio = self.streams.get("audio", SeqCounter())
        return {"received": video.received, "lost": video.lost, "frames": self.clock.frames,
                "audio_received": audio.received, "audio_lost": audio.lost,
                "lags_ms": self.clock.drain_lags(), "freezes": self.clock.freezes,
                "freeze_ms": round(self.clock.freeze_ms, 1), "max_gap_ms": round(self.clock.max_gap_ms, 1),
                "connected": self.dtls_ok_at is not None, "rcvbuf": self.rcvbuf, "rtcp_out": self.reports_sent,
                "delays_ms": [], "bad_stamps": 0}

    async def aclose(self) -> None:
        if self._checks is not None:
            self._checks.cancel()
            try:
                await self._checks
            except asyncio.CancelledError:
                pass
            self._checks = None
        if self._dtls_timer is not None:
            self._dtls_timer.cancel()
            self._dtls_timer = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None
