import io
import time

from rag.evaluate.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(stream: io.StringIO, total: int) -> str:
    bar = progress_bar(total, "eval", stream)
    for _ in range(total):
        bar.update()
    bar.close()
    return stream.getvalue()


def test_a_log_gets_one_whole_line_per_tenth():
    lines = run(io.StringIO(), 50).splitlines(keepends=True)
    assert "\r" not in "".join(lines)
    assert all(line.endswith("\n") for line in lines)
    assert [line.split(" ")[1] for line in lines] == [f"{n}/50" for n in range(0, 51, 5)]
    assert lines[-1].startswith("eval 50/50 100% [")


def test_a_terminal_gets_one_redrawn_line():
    text = run(Terminal(), 50)
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.count("\r") >= 2
    assert "50/50" in text.rsplit("\r", 1)[-1]


def test_a_log_bar_stays_one_line_per_tenth_when_tqdms_monitor_runs():
    from tqdm import tqdm
    from tqdm._monitor import TMonitor

    bar = progress_bar(50, "eval", io.StringIO())
    bar.last_print_t -= 3600  # an hour without drawing: a slow eval
    monitor = TMonitor(tqdm, 0.01)  # what any library's bar in the process starts
    try:
        time.sleep(0.1)
    finally:
        monitor.exit()
    assert bar.miniters == 5
    bar.close()
