"""The desk bench's bookkeeping: a hand-off or message not through within the timeout counts at the timeout and
as failed, one never received is lost, twice is a duplicate, and the figures are nearest rank."""

from __future__ import annotations

from souk.bench.desk_ledger import Ledger


def test_figures_count_late_and_missing_at_the_timeout() -> None:
    ledger = Ledger(timeout_s=1.0)
    for i in range(19):  # 19 notified 10..190 ms after their hand-off
        ledger.handoff(f"c{i}", 100.0)
        ledger.notified(f"c{i}", "a1", 100.0 + (i + 1) * 0.01)
    ledger.handoff("late", 100.0)
    ledger.notified("late", "a1", 102.5)  # past the timeout: counts at 1000 ms, failed
    ledger.handoff("never", 100.0)  # never notified: 1000 ms, failed
    r = ledger.report()
    assert r["handoffs"] == 21 and r["notified"] == 20 and r["handoff_notify_failed"] == 2
    assert r["handoff_notify_p50_ms"] == 110.0  # the 11th of 21
    assert r["handoff_notify_p95_ms"] == 1000.0 and r["handoff_notify_max_ms"] == 1000.0
    assert r["failed"] == 2


def test_lost_duplicate_and_unknown_messages() -> None:
    ledger = Ledger(timeout_s=5.0)
    ledger.send("a:c1:0", "to_shopper", 10.0)
    ledger.send("a:c1:1", "to_shopper", 10.0)
    ledger.send("s:c1:0", "to_agent", 10.0)
    ledger.receive("a:c1:0", 10.05)
    ledger.receive("a:c1:0", 10.06)  # delivered twice
    ledger.receive("s:c1:0", 10.02)
    ledger.receive("nobody-sent-this", 10.1)
    assert ledger.pending() == 1
    r = ledger.report()
    assert (r["replies_sent"], r["replies_received"], r["shopper_messages_received"]) == (2, 1, 1)
    assert r["lost"] == 1 and r["duplicates"] == 1 and r["unknown_received"] == 1
    assert r["reply_delivery_p50_ms"] == 50.0 and r["reply_delivery_p95_ms"] == 5000.0
    assert r["reply_delivery_failed"] == 1 and r["shopper_message_delivery_p50_ms"] == 20.0


def test_a_second_notification_is_counted_not_timed() -> None:
    ledger = Ledger(timeout_s=1.0)
    ledger.handoff("c1", 1.0)
    ledger.notified("c1", "a1", 1.1)
    ledger.notified("c1", "a2", 1.2)
    r = ledger.report()
    assert r["renotified"] == 1 and ledger.notified_agent["c1"] == "a1" and r["handoff_notify_p50_ms"] == 100.0


def test_nothing_counts_once_frozen() -> None:
    ledger = Ledger(timeout_s=1.0)
    ledger.handoff("c1", 1.0)
    ledger.send("a:c1:0", "to_shopper", 1.0)
    ledger.freeze()  # the bench tears down: late frames and sends are not part of the run
    ledger.notified("c1", "a1", 1.1)
    ledger.receive("a:c1:0", 1.1)
    ledger.send("a:c1:1", "to_shopper", 1.2)
    ledger.error("socket closed")
    r = ledger.report()
    assert r["notified"] == 0 and r["replies_sent"] == 1 and r["replies_received"] == 0 and r["lost"] == 1
    assert r["failed"] == 2 and r["errors"] == []
