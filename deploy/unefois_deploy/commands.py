"""Run a short external command to completion; on failure, raise with its output."""

from __future__ import annotations

import asyncio
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path


class CommandError(RuntimeError):
    pass


async def run_checked(
    args: Sequence[str], *, what: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise CommandError(f"{what} failed (exit {process.returncode}): {shlex.join(args)}\n{text}")
    return text
