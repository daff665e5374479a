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

console = Console()


def _print_runtime(profile: RuntimeProfile, report: StartReport) -> None:
    def state(started: bool, seconds: float) -> str:
        return f"started, ready in {seconds:.1f}s" if started else "already running"

    console.print(f"PostgreSQL {profile.host}:{profile.postgres_port}: {state(report.postgres_started, report.postgres_ready_s)}")
    console.print(f"Kafka {profile.kafka_bootstrap}: {state(report.kafka_started, report.kafka_ready_s)}")
    if report.topics_created:
        console.print(f"topics created: {', '.join(report.topics_created)}")


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
    console.print(f"services started: {', '.join(started) or 'none (all were running)'}")
    urls = {stage: profile.service_url(stage) for stage in stages}
    console.print(await load_demo_once(profile, urls))
    table = Table("service", "URL", title=f"unefois ({profile.name})")
    for stage, url in urls.items():
        table.add_row(stage, url)
    table.add_row("identity (dev issuer)", profile.issuer_url)
    console.print(table)
    _print_logins()


def _print_logins() -> None:
    """The seeded users of the development issuer (the password itself is printed only when
    it is the documented default)."""
    table = Table(title="seeded logins (sign in at any service's /auth/login)")
    table.add_column("login", no_wrap=True)  # whole, to be copied
    table.add_column("role", no_wrap=True)
    table.add_column("organisation")
    for user in seeded_users():
        table.add_row(user.login, ", ".join(user.roles), user.org_name)
    console.print(table)
    if os.environ.get("UNEFOIS_DEV_PASSWORD"):
        console.print("password: the value of UNEFOIS_DEV_PASSWORD")
    else:
        console.print(f"password: {DEFAULT_DEV_PASSWORD} (set UNEFOIS_DEV_PASSWORD to change it)")


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
