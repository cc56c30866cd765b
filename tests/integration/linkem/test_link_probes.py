"""The emulated link delivers what it is told: UDP and TCP probes sent across it from the shopper side.

Tolerances (this 2-core machine is shared and noisy, so they are one-sided where scheduling can only add):
delay median within [-1, +8] ms of the asked one-way delay; loss within 2.5 points of the asked rate over
3,000 packets (3 points over 6,000 for bursty loss); mean loss burst within 25 % of the asked one;
throughput within 15 % of the cap; an outage's gap within [-50, +200] ms of its length.
Run with:
python -m souk.media.netns run -- .venv/bin/python -m pytest -q tests/integration/linkem
"""

from __future__ import annotations

import asyncio
import statistics

import pytest

from souk.bench.linkem.link import Link
from souk.bench.linkem.profile import Direction, LinkProfile
from tests.integration.linkem.probes import probe, tcp_goodput_bps, udp_ends


async def test_delay_each_way_and_a_change_at_run_time(link: Link) -> None:
    await link.set(LinkProfile(up=Direction(delay_ms=40), down=Direction(delay_ms=15)))
    shop, core = udp_ends(link)
    up = await probe(shop, core, count=60, interval_s=0.01, tail_s=0.3)
    down = await probe(core, shop, count=60, interval_s=0.01, tail_s=0.3)
    assert up.loss() == down.loss() == 0
    assert 39 <= up.median_ms() <= 48, up.median_ms()
    assert 14 <= down.median_ms() <= 23, down.median_ms()
    assert min(up.delays_ms()) >= 39.5  # nothing arrives early

    await link.set(LinkProfile.symmetric(rtt_ms=200))
    later = await probe(shop, core, count=40, interval_s=0.01, tail_s=0.4)
    assert 99 <= later.median_ms() <= 108, later.median_ms()
    stats = await link.stats()
    assert stats["up"]["passed"] == 100 and stats["down"]["passed"] == 60 and stats["write_errors"] == 0


async def test_jitter_spreads_delay_without_reordering_unless_asked(link: Link) -> None:
    await link.set(LinkProfile.symmetric(rtt_ms=100, jitter_ms=20))
    shop, core = udp_ends(link)
    p = await probe(shop, core, count=300, interval_s=0.004, tail_s=0.3)
    d = sorted(p.delays_ms())
    assert p.order == sorted(p.order) and p.loss() == 0
    assert d[0] >= 29.5 and d[int(0.98 * len(d))] <= 78  # never early; late only by this busy machine's hiccups
    assert d[int(0.9 * len(d))] - d[int(0.1 * len(d))] > 15  # a real spread, not a constant delay

    await link.set(LinkProfile.symmetric(rtt_ms=100, jitter_ms=20, reorder=True))
    r = await probe(shop, core, count=300, interval_s=0.004, tail_s=0.3)
    assert r.order != sorted(r.order) and r.loss() == 0
    assert statistics.median(r.delays_ms()) == pytest.approx(50, abs=5)


async def test_random_loss_rate(link: Link) -> None:
    await link.set(LinkProfile(up=Direction(loss=0.10), seed=11))
    shop, core = udp_ends(link)
    p = await probe(shop, core, count=3000, interval_s=0.004, burst=4, tail_s=0.3)
    assert p.loss() == pytest.approx(0.10, abs=0.025)
    bursts = p.loss_bursts()
    assert statistics.mean(bursts) < 1.5  # independent losses: mean run 1/(1-0.1) = 1.11
    stats = await link.stats()
    assert stats["up"]["dropped_loss"] == len(p.sent) - len(p.got)
    back = await probe(core, shop, count=200, interval_s=0.002, burst=2, tail_s=0.2)
    assert back.loss() == 0  # the other direction was left perfect


async def test_bursty_loss_rate_and_burst_length(link: Link) -> None:
    await link.set(LinkProfile(up=Direction(loss=0.10, burst=4), seed=5))
    shop, core = udp_ends(link)
    p = await probe(shop, core, count=6000, interval_s=0.004, burst=4, tail_s=0.3)
    assert p.loss() == pytest.approx(0.10, abs=0.03)  # ~150 bursts: the rate varies more than with random loss
    assert statistics.mean(p.loss_bursts()) == pytest.approx(4, rel=0.25)


async def test_udp_throughput_is_capped_with_tail_drop(link: Link) -> None:
    await link.set(LinkProfile(down=Direction(rate_kbps=2_000, queue_bytes=30_000)))
    shop, core = udp_ends(link)
    # 1,200-byte packets, 10 every 12 ms: 8 Mbit/s offered for 2.4 s
    p = await probe(core, shop, count=2_000, interval_s=0.012, burst=10, size=1_200, tail_s=0.5)
    arrivals = sorted(p.got.values())
    rate = (len(arrivals) - 1) * 1_200 * 8 / (arrivals[-1] - arrivals[0])
    assert rate == pytest.approx(2_000_000, rel=0.15), rate
    stats = await link.stats()
    assert stats["down"]["dropped_queue"] == len(p.sent) - len(p.got) > 1_000
    assert max(p.delays_ms()) <= 30_000 * 8 / 2_000 + 25  # queueing delay bounded by the queue (120 ms)


async def test_tcp_goodput_follows_the_cap(link: Link) -> None:
    await link.set(LinkProfile.symmetric(rtt_ms=20, rate_kbps=2_000, queue_bytes=40_000))
    bps = await tcp_goodput_bps(link, 750_000)  # 3 s at the cap
    assert 0.75 * 2_000_000 <= bps <= 1.05 * 2_000_000, bps


async def test_outage_on_command_and_planned(link: Link) -> None:
    shop, core = udp_ends(link)
    task = asyncio.create_task(probe(shop, core, count=250, interval_s=0.01, tail_s=0.3))
    await asyncio.sleep(0.8)
    await link.outage(1.0)
    p = await task
    assert p.largest_gap_s() == pytest.approx(1.0, abs=0.2) and p.largest_gap_s() >= 0.95
    assert max(p.got) >= 245  # it comes back by itself
    stats = await link.stats()
    assert 90 <= stats["up"]["dropped_outage"] <= 105

    await link.set(LinkProfile().with_outage(0.5, 0.6))  # counted from the moment it is set
    q = await probe(shop, core, count=150, interval_s=0.01, tail_s=0.3)
    assert q.largest_gap_s() == pytest.approx(0.6, abs=0.2) and q.largest_gap_s() >= 0.55
    await link.set(LinkProfile())
    await link.outage(600, direction="down")
    await link.restore()  # on command, ended early
    r = await probe(core, shop, count=20, interval_s=0.01, tail_s=0.2)
    assert r.loss() == 0


async def test_bad_commands_get_the_reason_and_the_link_keeps_working(link: Link) -> None:
    from souk.core.errors import ConfigError

    with pytest.raises(ConfigError, match="direction must be up, down or both"):
        await link.outage(1.0, direction="sideways")
    with pytest.raises(ConfigError, match="outage seconds must be in"):
        await link.outage(0)
    shop, core = udp_ends(link)
    p = await probe(shop, core, count=10, interval_s=0.01, tail_s=0.1)
    assert p.loss() == 0


async def test_a_process_started_on_the_shopper_side_reaches_the_core_only_through_the_link(link: Link) -> None:
    import socket
    import sys

    await link.set(LinkProfile(up=Direction(delay_ms=30)))
    core = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    core.bind((link.core_addr, 0))
    core.setblocking(False)
    script = ("import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
              "s.sendto(b'from the shopper', (sys.argv[1], int(sys.argv[2])))")
    proc = await asyncio.create_subprocess_exec(
        *link.shopper_argv([sys.executable, "-c", script, link.core_addr, str(core.getsockname()[1])]))
    assert await proc.wait() == 0
    data, addr = await asyncio.wait_for(asyncio.get_running_loop().sock_recvfrom(core, 100), 5)
    assert data == b"from the shopper" and addr[0] == link.info.shopper_addr
    assert (await link.stats())["up"]["passed"] == 1
    core.close()


async def test_a_used_index_is_refused_clearly_and_closing_leaves_nothing_behind() -> None:
    import os

    from souk.bench.linkem.link import open_link
    from souk.core.errors import ConfigError
    from tests.fixtures.linkem import need_link, next_index

    need_link()
    index = next_index()
    async with open_link(index=index) as first:
        assert os.path.exists(f"/proc/sys/net/ipv4/conf/{first.info.core_dev}")
        with pytest.raises(ConfigError, match=f"device lkc{index} exists already"):
            async with open_link(index=index):
                pass
        holder, emulator = first.info.shopper_pid, first.info.pid
    assert not os.path.exists(f"/proc/sys/net/ipv4/conf/lkc{index}")
    for pid in (holder, emulator):  # both processes are gone (and reaped), not left running
        assert not os.path.exists(f"/proc/{pid}")
