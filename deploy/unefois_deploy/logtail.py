"""Last lines of a log file, for error messages that explain a failed start."""

from __future__ import annotations

from collections import deque
from pathlib import Path


def tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open(errors="replace") as handle:
            last = deque(handle, maxlen=lines)
    except FileNotFoundError:
        return f"(no log at {path})"
    return f"--- last {len(last)} lines of {path} ---\n" + "".join(last)
