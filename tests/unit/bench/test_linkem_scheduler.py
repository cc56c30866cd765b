"""The link scheduler on a fake clock: delay, jitter, loss (random and bursty), the bandwidth cap, outages."""

from __future__ import annotations

import random

import pytest

from souk.bench.linkem.profile import Direction, Outage
from souk.bench.linkem.scheduler import DelayLine, DirectionScheduler, Drop, LossModel, Shaper


def sched(**kw: object) -> DirectionScheduler:
    return DirectionScheduler(Direction(**kw), random.Random(3), now=0.0)  # type: ignore[arg-type]


def bursts(lost: list[bool]) -> list[int]:
    runs, n = [], 0
    for x in lost:
        if x:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    return runs + ([n] if n else [])


def test_a_perfect_link_delivers_at_once() -> None:
    s = sched()
    assert [s.offer(t / 100, 1200) for t in range(5)] == [t / 100 for t in range(5)]
    assert s.stats.passed == 5 and s.stats.bytes_passed == 6000


def test_delay_is_added_one_way() -> None:
    assert sched(delay_ms=75).offer(2.0, 100) == pytest.approx(2.075)


def test_jitter_spreads_the_delay_without_reordering_by_default() -> None:
    s = sched(delay_ms=50, jitter_ms=20)
    arrivals = [s.offer(i * 0.005, 100) for i in range(2000)]
    assert all(isinstance(a, float) for a in arrivals)
    delays = [float(a) - i * 0.005 for i, a in enumerate(arrivals)]  # type: ignore[arg-type]
    assert arrivals == sorted(arrivals)  # type: ignore[type-var]
    assert min(delays) >= 0.030 - 1e-9 and max(delays) <= 0.075
    assert 0.045 < sum(delays) / len(delays) < 0.060  # a little above 50 ms: held packets wait for the one ahead


def test_reordering_happens_only_when_allowed() -> None:
    s = sched(delay_ms=50, jitter_ms=20, reorder=True)
    arrivals = [float(s.offer(i * 0.005, 100)) for i in range(2000)]  # type: ignore[arg-type]
    delays = [a - i * 0.005 for i, a in enumerate(arrivals)]
    assert arrivals != sorted(arrivals)
    assert min(delays) >= 0.030 - 1e-9 and max(delays) <= 0.070 + 1e-9
    assert sum(delays) / len(delays) == pytest.approx(0.050, abs=0.002)


def test_random_loss_has_the_asked_rate_and_short_bursts() -> None:
    m = LossModel(0.10, None, random.Random(5))
    lost = [m.lost() for _ in range(200_000)]
    assert sum(lost) / len(lost) == pytest.approx(0.10, abs=0.003)
    runs = bursts(lost)
    assert sum(runs) / len(runs) == pytest.approx(1 / 0.9, abs=0.03)


@pytest.mark.parametrize(("loss", "burst"), [(0.05, 2.0), (0.10, 4.0), (0.30, 3.0)])
def test_gilbert_elliott_loss_keeps_the_rate_with_the_asked_mean_burst(loss: float, burst: float) -> None:
    m = LossModel(loss, burst, random.Random(9))
    lost = [m.lost() for _ in range(400_000)]
    assert sum(lost) / len(lost) == pytest.approx(loss, rel=0.05)
    runs = bursts(lost)
    assert sum(runs) / len(runs) == pytest.approx(burst, rel=0.05)


def test_an_impossible_burst_is_refused() -> None:
    with pytest.raises(ValueError, match="impossible"):
        LossModel(0.9, 1.0, random.Random(1))


def test_the_cap_lets_a_bucket_through_then_paces_at_the_rate() -> None:
    sh = Shaper(rate_bps=125_000, bucket=3_000, queue=100_000)  # 1 Mbit/s
    departs = [sh.departure(0.0, 1_000) for _ in range(10)]
    assert departs[:3] == [0.0, 0.0, 0.0]
    assert departs[3:] == pytest.approx([0.008 * i for i in range(1, 8)])
    assert sh.backlog(0.0) == 7_000 and sh.backlog(0.05) == 1_000 and sh.backlog(1.0) == 0


def test_the_cap_holds_the_rate_and_drops_at_the_tail_of_a_full_queue() -> None:
    s = sched(rate_kbps=1_000, bucket_bytes=3_000, queue_bytes=20_000)
    out = [s.offer(i * 0.005, 1_250) for i in range(2_000)]  # 2 Mbit/s offered for 10 s
    passed = [a for a in out if isinstance(a, float)]
    assert s.stats.dropped_queue == out.count(Drop.QUEUE) > 900
    assert s.stats.bytes_passed * 8 / (max(passed) - 0) == pytest.approx(1_000_000, rel=0.01)
    waits = [a - i * 0.005 for i, a in enumerate(out) if isinstance(a, float)]
    assert max(waits) <= 20_000 / 125_000 + 1e-9  # a full queue's worth of waiting at most


def test_under_the_cap_nothing_waits() -> None:
    s = sched(rate_kbps=1_000)
    assert all(s.offer(i * 0.02, 1_250) == pytest.approx(i * 0.02) for i in range(500))  # 0.5 Mbit/s


def test_planned_outage_drops_what_would_leave_while_dark() -> None:
    s = sched(delay_ms=10, outages=(Outage(1.0, 0.5),))
    out = {i: s.offer(i * 0.1, 100) for i in range(30)}
    assert [i for i, a in out.items() if a is Drop.OUTAGE] == [10, 11, 12, 13, 14]
    assert out[15] == pytest.approx(1.51)


def test_outage_on_command_restore_and_update() -> None:
    s = sched()
    s.outage(5.0, 2.0)
    assert s.offer(5.5, 100) is Drop.OUTAGE and s.offer(7.0, 100) == 7.0
    s.outage(8.0, 60.0)
    s.update(Direction(delay_ms=20, outages=(Outage(10.0, 1.0),)), now=8.5)  # a running outage survives
    assert s.offer(9.0, 100) is Drop.OUTAGE
    s.restore(9.5)
    assert s.offer(9.6, 100) == pytest.approx(9.62)
    assert s.offer(18.6, 100) is Drop.OUTAGE  # the new profile's planned outage counts from the update
    assert s.stats.dropped_outage == 3 and s.stats.offered == 5


def test_outage_applies_when_a_queued_packet_would_leave() -> None:
    s = sched(rate_kbps=100, bucket_bytes=1_500, queue_bytes=50_000)  # 12.5 kB/s
    s.outage(0.5, 1.0)
    out = [s.offer(0.0, 1_250) for _ in range(6)]  # the bucket's first, then one every 0.1 s from 0.08 s
    assert out == pytest.approx([0.0, 0.08, 0.18, 0.28, 0.38, 0.48])
    assert s.offer(0.0, 1_250) is Drop.OUTAGE  # would leave at 0.58 s, in the dark


def test_loss_after_the_queue_still_spends_bandwidth() -> None:
    s = sched(rate_kbps=100, bucket_bytes=1_500, queue_bytes=50_000, loss=0.5)
    out = [s.offer(0.0, 1_250) for _ in range(20)]
    arrivals = [a for a in out if isinstance(a, float)]
    assert out.count(Drop.LOSS) == s.stats.dropped_loss > 0
    assert max(arrivals) > 1.0  # lost packets took their turn on the wire


def test_delay_line_releases_in_arrival_order() -> None:
    line: DelayLine[str] = DelayLine()
    for t, x in ((0.3, "c"), (0.1, "a"), (0.3, "d"), (0.2, "b")):
        line.push(t, x)
    assert line.next_due() == 0.1 and len(line) == 4
    assert line.pop_due(0.25) == ["a", "b"]
    assert line.pop_due(1.0) == ["c", "d"] and line.next_due() is None


def test_control_commands_answer_and_errors_do_not_stop_the_link() -> None:
    from souk.bench.linkem.forwarder import Forwarder, handle
    from souk.bench.linkem.profile import LinkProfile

    now = [0.0]
    fw = Forwarder(-1, -1, LinkProfile(), clock=lambda: now[0])
    assert handle(fw, b'{"op": "set", "profile": {"up": {"delay_ms": 30}}}') == {"ok": True}
    assert fw.up.offer(1.0, 100) == pytest.approx(1.03) and fw.down.offer(1.0, 100) == 1.0
    assert handle(fw, b'{"op": "outage", "seconds": 2, "direction": "down"}') == {"ok": True}
    now[0] = 1.0
    assert fw.down.offer(1.0, 100) is Drop.OUTAGE and fw.up.offer(1.0, 100) != Drop.OUTAGE
    assert handle(fw, b'{"op": "restore"}') == {"ok": True}
    assert fw.down.offer(1.5, 100) == 1.5
    stats = handle(fw, b'{"op": "stats"}')
    assert stats["stats"]["down"] == {"offered": 3, "passed": 2, "bytes_offered": 300, "bytes_passed": 200,
                                      "dropped_queue": 0, "dropped_outage": 1, "dropped_loss": 0}
    for bad, words in ((b"{nope", "not JSON"), (b"[1]", "must be a JSON object"), (b'{"op": "fly"}', "unknown op"),
                       (b'{"op": "set", "profile": {"up": {"loss": 2}}}', "loss must be within"),
                       (b'{"op": "outage", "seconds": true}', "outage seconds")):
        reply = handle(fw, bad)
        assert reply["ok"] is False and words in reply["error"], reply
    assert fw.up.direction.delay_ms == 30  # a refused profile changed nothing


def test_the_forwarder_moves_datagrams_across_on_time_and_bounds_what_is_in_flight() -> None:
    import socket

    from souk.bench.linkem.forwarder import Forwarder
    from souk.bench.linkem.profile import LinkProfile

    core_app, core_dev = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)  # stand-ins for the TUN fds
    shop_app, shop_dev = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    for s in (core_dev, shop_dev, core_app, shop_app):
        s.setblocking(False)
    now = [10.0]
    fw = Forwarder(core_dev.fileno(), shop_dev.fileno(), LinkProfile(down=Direction(delay_ms=100)),
                   clock=lambda: now[0], max_in_flight=3)
    try:
        for i in range(5):
            core_app.send(b"pkt%d" % i)  # the core side sends 5 packets down
        fw.pump(core_dev.fileno())
        assert fw.stats()["in_flight"] == 3 and fw.stats()["overflow"] == 2
        assert fw.timeout() == pytest.approx(0.1)
        now[0] = 10.05
        fw.deliver()
        with pytest.raises(BlockingIOError):
            shop_app.recv(100)  # not yet: 100 ms of delay
        now[0] = 10.1
        fw.deliver()
        assert [shop_app.recv(100) for _ in range(3)] == [b"pkt0", b"pkt1", b"pkt2"]
        shop_app.send(b"up")  # the other way: no delay
        fw.pump(shop_dev.fileno())
        fw.deliver()
        assert core_app.recv(100) == b"up" and fw.stats()["up"]["passed"] == 1
    finally:
        for s in (core_dev, shop_dev, core_app, shop_app):
            s.close()
