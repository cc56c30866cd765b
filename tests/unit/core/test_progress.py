"""Progress bars: drawn on a terminal only, never in --json mode, throttled, with an ETA."""

from __future__ import annotations

import io

from souk.core.progress import NO_PROGRESS, Progress, ProgressSink, progress, render


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_render() -> None:
    assert render("export", 10, 40, 12.0) == "export [######------------------] 10/40  25% 0:12 eta 0:36"
    assert render("export", 40, 40, 65.0, "done") == "export [########################] 40/40 100% 1:05 done"
    assert render("import", 7, None, 3700.0) == "import 7 done 1:01:40"


def test_drawn_on_a_terminal_throttled_and_finished() -> None:
    out, clock = Tty(), Clock()
    with Progress("bench", 3, stream=out, clock=clock) as bar:
        clock.t += 0.2
        bar.advance()
        clock.t += 0.01
        bar.advance(label="cell 2")  # within 0.1 s of the last draw: skipped
        clock.t += 1.0
        bar.advance(label="cell 3")  # the last step is always drawn
    frames = out.getvalue().split("\r")[1:]
    assert [f.split("]")[1].split()[0] for f in frames[:3]] == ["0/3", "1/3", "3/3"]
    assert frames[-1].rstrip("\n").rstrip().endswith("cell 3") and out.getvalue().endswith("\n")


def test_silent_off_a_terminal_and_in_json_mode() -> None:
    piped = io.StringIO()
    with Progress("bench", 2, stream=piped) as bar:
        bar.advance(2)
    assert piped.getvalue() == ""
    tty = Tty()
    with progress("bench", 2, quiet=True, stream=tty) as bar:
        bar.advance(2)
    assert tty.getvalue() == ""


def test_sinks() -> None:
    def walk(sink: ProgressSink) -> None:
        sink.set_total(2)
        sink.advance(label="a")
        sink.advance(label="b")

    walk(NO_PROGRESS)
    out = Tty()
    bar = Progress("x", stream=out, clock=Clock())
    walk(bar)
    assert bar.done == 2 and "2/2" in out.getvalue()


def test_close_is_idempotent_and_ends_the_bar() -> None:
    out = Tty()
    bar = Progress("x", 2, stream=out, clock=Clock())
    bar.advance()
    bar.close()
    bar.close()
    bar.advance()  # after the end: nothing more
    assert out.getvalue().count("\n") == 1 and out.getvalue().endswith("\n") and "2/2" not in out.getvalue()
