"""Terminal niceties that must vanish in pipes: colour (never with NO_COLOR) and a progress
line on stderr for long work."""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import TextIO


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return is_terminal(stream or sys.stdout)


class Progress:
    """`with Progress("analyzing app.tar"):` shows a spinner with the elapsed time on a
    terminal's stderr and prints nothing anywhere else."""

    FRAMES = "|/-\\"

    def __init__(self, label: str, stream: TextIO | None = None,
                 interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.interval = interval
        self.enabled = is_terminal(self.stream)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0
        self._note = ""

    def note(self, text: str) -> None:
        """What has been done so far ("12000 records"), shown beside the spinner."""
        self._note = text

    def _run(self) -> None:
        frame = 0
        while not self._stop.wait(self.interval):
            elapsed = time.monotonic() - self._start
            note = f" {self._note}" if self._note else ""
            self.stream.write(f"\r{self.FRAMES[frame % 4]} {self.label}{note} {elapsed:5.1f}s"
                              "\033[K")
            self.stream.flush()
            frame += 1

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            elapsed = time.monotonic() - self._start
            status = "done" if kind is None else "failed"
            self.stream.write(f"\r{self.label}: {status} in {elapsed:.1f}s\033[K\n")
            self.stream.flush()
