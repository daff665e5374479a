"""`python -m unefois_deploy <command> [--profile dev|test]`: the local platform's on/off switch."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime

from rich.console import Console
from unefois_dev_issuer import DEFAULT_DEV_PASSWORD
from unefois_dev_issuer.users import seeded_users

from unefois_deploy import clock
from unefois_deploy.config import PROFILE_NAMES, STAGES, RuntimeProfile, load_profile
from unefois_deploy.demo_loader import load_demo_once
from unefois_deploy.runtime import Runtime, StartReport
from unefois_deploy.services import ISSUER, MAILCATCHER, ServiceSupervisor, existing_stages
from unefois_deploy.status import status_tables
from unefois_deploy.summary import demo_lines, login_lines, service_lines, wrap_words
from unefois_deploy.watcher import (
    BackoffPolicy,
    run_daemon,
    start_watcher,
    stop_watcher,
)

console = Console()


def _print_runtime(profile: RuntimeProfile, report: StartReport) -> None:
    def state(started: bool, seconds: float) -> str:
        return f"started, ready in {seconds:.1f}s" if started else "already running"

    console.print(f"PostgreSQL {profile.host}:{profile.postgres_port}: {state(report.postgres_started, report.postgres_ready_s)}")
    console.print(f"Kafka {profile.kafka_bootstrap}: {state(report.kafka_started, report.kafka_ready_s)}")
    if report.topics_created:
        for line in wrap_words(f"topics created: {', '.join(report.topics_created)}", indent=2, first_indent=0):
            console.print(line, markup=False, highlight=False, soft_wrap=True)


async def _runtime_up(profile: RuntimeProfile) -> None:
    _print_runtime(profile, await Runtime(profile).up())


async def _runtime_down(profile: RuntimeProfile) -> None:
    runtime = Runtime(profile)
    kafka_was_up, postgres_was_up = runtime.kafka.is_running(), await runtime.postgres.is_running()
    await runtime.down()
    console.print(f"Kafka: {'stopped' if kafka_was_up else 'was not running'}")
    console.print(f"PostgreSQL: {'stopped' if postgres_was_up else 'was not running'}")


async def _up(profile: RuntimeProfile) -> None:
    await _runtime_up(profile)
    stages = existing_stages(profile)
    if not stages:
        console.print("[yellow]no service written yet (services/<stage>/pyproject.toml): only the runtime is up[/]")
        return
    started = await ServiceSupervisor(profile).start_all([ISSUER, MAILCATCHER, *stages])
    for line in wrap_words(f"services started: {', '.join(started) or 'none (all were running)'}", indent=2, first_indent=0):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    watching = "started" if start_watcher(profile, [ISSUER, MAILCATCHER, *stages]) else "already running"
    console.print(f"watcher (restarts a crashed service): {watching}", markup=False, highlight=False)
    urls = {stage: profile.service_url(stage) for stage in stages}
    message, purchases = await load_demo_once(profile, urls)
    for line in wrap_words(message, indent=2, first_indent=0):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if os.environ.get("UNEFOIS_DEV_PASSWORD"):
        password = "password: the value of UNEFOIS_DEV_PASSWORD"
    else:
        password = f"password {DEFAULT_DEV_PASSWORD}"
    for block in (service_lines(urls, profile.issuer_url, profile.mailcatcher_url), demo_lines(purchases, urls),
                  login_lines(seeded_users(), password)):
        if block:
            console.print("")
            for line in block:
                # Plain text: no markup, no highlighting, no re-wrapping (the lines fit 80 columns).
                console.print(line, markup=False, highlight=False, soft_wrap=True)


async def _down(profile: RuntimeProfile) -> None:
    # The watcher first: it would otherwise take the stops below for crashes.
    console.print(f"watcher: {'stopped' if stop_watcher(profile) else 'was not running'}")
    stopped = ServiceSupervisor(profile).stop_all((*STAGES, ISSUER, MAILCATCHER))
    console.print(f"services stopped: {', '.join(stopped) or 'none were running'}")
    await _runtime_down(profile)


async def _status(profile: RuntimeProfile) -> None:
    console.print(await status_tables(profile))


async def _watch(profile: RuntimeProfile) -> None:
    raise AssertionError("main() runs the watcher itself, in the main thread (its signal handlers)")


COMMANDS = {
    "up": (_up, "start PostgreSQL, Kafka, topics and the written services; load the demo once"),
    "down": (_down, "stop the services, then Kafka, then PostgreSQL (only what this runtime started)"),
    "status": (_status, "show what is running, readiness, restarts and dead letters"),
    "watch": (_watch, "the watcher `up` starts: restart crashed services with back-off"),
    "runtime-up": (_runtime_up, "start only PostgreSQL, Kafka and the topics"),
    "runtime-down": (_runtime_down, "stop only Kafka and PostgreSQL"),
    "clock": (None, "show or move every service's clock (dev and test profiles): --advance 16d, --set, --real"),
}


def _clock(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    try:
        if args.advance:
            instant = clock.advance(profile, clock.parse_delta(args.advance))
        elif args.set:
            instant = clock.set_to(profile, datetime.fromisoformat(args.set))
        elif args.real:
            instant = clock.to_real_time(profile)
        else:
            instant = clock.now(profile)
    except ValueError as error:
        console.print(f"[bold red]clock:[/] {error}", highlight=False)
        return 2
    console.print(f"horloge {profile.name} : {clock.describe(instant)}", markup=False, highlight=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unefois_deploy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--profile", choices=PROFILE_NAMES, default="dev")
        if name == "watch":
            defaults = BackoffPolicy()
            command.add_argument("--services", required=True, help="comma-separated, e.g. issuer,sourcing")
            command.add_argument("--initial-delay", type=float, default=defaults.initial_s)
            command.add_argument("--max-delay", type=float, default=defaults.cap_s)
            command.add_argument("--max-crashes", type=int, default=defaults.max_crashes)
            command.add_argument("--window", type=float, default=defaults.window_s)
        if name == "clock":
            moves = command.add_mutually_exclusive_group()
            moves.add_argument("--advance", help="move forward (or back, negative) by e.g. 16d, 2h, 30m, 90s")
            moves.add_argument("--set", help="an ISO instant; without a zone, Paris time")
            moves.add_argument("--real", action="store_true", help="back to the machine's real time")
    args = parser.parse_args(argv)
    if args.command == "clock":
        return _clock(args)
    action, _ = COMMANDS[args.command]
    if args.command == "watch":
        policy = BackoffPolicy(initial_s=args.initial_delay, cap_s=args.max_delay,
                               max_crashes=args.max_crashes, window_s=args.window)
        run_daemon(load_profile(args.profile), [name for name in args.services.split(",") if name], policy)
        return 0
    try:
        asyncio.run(action(load_profile(args.profile)))
    except (RuntimeError, OSError) as error:  # our errors carry the explanation (and log tails)
        # soft_wrap: log tails in the message keep their own lines.
        console.print(f"[bold red]{args.command} failed:[/]", highlight=False)
        console.print(str(error), markup=False, highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
