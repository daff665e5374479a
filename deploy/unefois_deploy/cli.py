"""`python -m unefois_deploy <command> [--profile dev|test]`: the local platform's on/off switch."""

from __future__ import annotations

import argparse
import asyncio
import os

from rich.console import Console
from rich.table import Table
from unefois_dev_issuer import DEFAULT_DEV_PASSWORD
from unefois_dev_issuer.users import seeded_users

from unefois_deploy.config import STAGES, PROFILE_NAMES, RuntimeProfile, load_profile
from unefois_deploy.databases import ADMIN_ROLE, service_role
from unefois_deploy.demo_loader import load_demo_once
from unefois_deploy.runtime import Runtime, StartReport
from unefois_deploy.services import ISSUER, ServiceSupervisor, existing_stages
from unefois_deploy.summary import demo_lines, login_lines, service_lines, wrap_words

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
    started = await ServiceSupervisor(profile).start_all([ISSUER, *stages])
    for line in wrap_words(f"services started: {', '.join(started) or 'none (all were running)'}", indent=2, first_indent=0):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    urls = {stage: profile.service_url(stage) for stage in stages}
    message, purchases = await load_demo_once(profile, urls)
    for line in wrap_words(message, indent=2, first_indent=0):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if os.environ.get("UNEFOIS_DEV_PASSWORD"):
        password = "password: the value of UNEFOIS_DEV_PASSWORD"
    else:
        password = f"password {DEFAULT_DEV_PASSWORD}"
    for block in (service_lines(urls, profile.issuer_url), demo_lines(purchases, urls),
                  login_lines(seeded_users(), password)):
        if block:
            console.print("")
            for line in block:
                # Plain text: no markup, no highlighting, no re-wrapping (the lines fit 80 columns).
                console.print(line, markup=False, highlight=False, soft_wrap=True)


async def _down(profile: RuntimeProfile) -> None:
    stopped = ServiceSupervisor(profile).stop_all((*STAGES, ISSUER))
    console.print(f"services stopped: {', '.join(stopped) or 'none were running'}")
    await _runtime_down(profile)


async def _status(profile: RuntimeProfile) -> None:
    runtime, supervisor = Runtime(profile), ServiceSupervisor(profile)
    table = Table(title=f"unefois ({profile.name}) in {profile.runtime_dir}")
    for column in ("component", "state", "address"):
        table.add_column(column, overflow="fold")

    def running(flag: bool) -> str:
        return "[green]running[/]" if flag else "[red]stopped[/]"

    # Addresses without passwords: those stay in secrets.json.
    table.add_row("PostgreSQL", running(await runtime.postgres.is_running()),
                  f"postgresql://{ADMIN_ROLE}@{profile.host}:{profile.postgres_port}/postgres")
    table.add_row("Kafka", running(runtime.kafka.is_running()), profile.kafka_bootstrap)
    table.add_row("identity (dev issuer)", running(supervisor.is_running(ISSUER)), profile.issuer_url)
    written = set(existing_stages(profile))
    for stage in STAGES:
        state = running(supervisor.is_running(stage)) if stage in written else "[dim]not written yet[/]"
        table.add_row(f"service {stage}", state, f"{profile.service_url(stage)}  db {service_role(stage)}")
    console.print(table)


COMMANDS = {
    "up": (_up, "start PostgreSQL, Kafka, topics and the written services; load the demo once"),
    "down": (_down, "stop the services, then Kafka, then PostgreSQL (only what this runtime started)"),
    "status": (_status, "show what is running"),
    "runtime-up": (_runtime_up, "start only PostgreSQL, Kafka and the topics"),
    "runtime-down": (_runtime_down, "stop only Kafka and PostgreSQL"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unefois_deploy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--profile", choices=PROFILE_NAMES, default="dev")
    args = parser.parse_args(argv)
    action, _ = COMMANDS[args.command]
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
