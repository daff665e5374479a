"""What `make status` shows: the runtime, each service's process, readiness and restarts by
the watcher, and how many records each dead-letter topic holds. Tables that fit 80 columns."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import httpx
from rich.console import Group
from rich.table import Table
from unefois_events.topics import dlq_of
from unefois_kernel import due
from unefois_kernel.dlq import DeadLetterGauge
from unefois_kernel.stages import PRODUCED_TOPICS

from unefois_deploy.config import STAGES, RuntimeProfile
from unefois_deploy.databases import ADMIN_ROLE
from unefois_deploy.runtime import Runtime
from unefois_deploy.services import ISSUER, MAILCATCHER, ServiceSupervisor, existing_stages
from unefois_deploy.watcher import is_watching, read_state, watcher_pid_file

DLQ_TOPICS: tuple[str, ...] = tuple(dlq_of(topic) for topic in PRODUCED_TOPICS)
READY_TIMEOUT_S = 2.0
DLQ_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    text: str  # "ready", "not ready: database", "refused (HTTP 403)", "no answer"


async def readiness(client: httpx.AsyncClient, url: str) -> Readiness:
    """GET /readyz. The detailed readiness is for operators or the internal network: a refusal
    (401/403/404) is shown as such, not taken for "not ready"."""
    try:
        response = await client.get(f"{url}/readyz", timeout=READY_TIMEOUT_S)
    except httpx.HTTPError:
        return Readiness(False, "no answer")
    if response.status_code == 200:
        return Readiness(True, "ready")
    if response.status_code == 503:
        try:
            checks = response.json().get("checks", {})
            failing = ", ".join(name for name, ok in checks.items() if not ok)
        except (ValueError, AttributeError):
            failing = ""
        return Readiness(False, f"not ready: {failing}" if failing else "not ready")
    if response.status_code in (401, 403, 404):
        return Readiness(False, f"refused (HTTP {response.status_code})")
    return Readiness(False, f"HTTP {response.status_code}")


async def dead_letter_counts(bootstrap: str, topics: tuple[str, ...] = DLQ_TOPICS) -> dict[str, int] | None:
    """Records held per DLQ topic (the kernel's DeadLetterGauge); None if Kafka does not answer."""
    gauge = DeadLetterGauge(bootstrap, list(topics))
    try:
        async with asyncio.timeout(DLQ_TIMEOUT_S):
            sizes = await gauge.sizes()
    except TimeoutError:
        sizes = {}
    finally:
        await gauge.stop()
    return sizes or None


async def due_transition_counts(dsn: str, service: str) -> dict[str, int] | None:
    """A service's due transitions per status (unefois_kernel.due); None if its database does
    not answer or has no such table yet (a service not started since migration 0008)."""
    try:
        conn = await asyncpg.connect(dsn, timeout=READY_TIMEOUT_S)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        return await due.counts(conn, service)
    except asyncpg.PostgresError:
        return None
    finally:
        await conn.close()


def _running(flag: bool, pid: int | None = None) -> str:
    if not flag:
        return "[red]stopped[/]"
    return f"[green]running[/] {pid}" if pid else "[green]running[/]"


async def status_tables(profile: RuntimeProfile) -> Group:
    runtime, supervisor = Runtime(profile), ServiceSupervisor(profile)
    postgres_up, kafka_up = await runtime.postgres.is_running(), runtime.kafka.is_running()

    infra = Table(title=f"unefois ({profile.name}) in {profile.runtime_dir}", title_justify="left")
    for column in ("component", "state", "address"):
        infra.add_column(column, overflow="fold")
    # Addresses without passwords: those stay in secrets.json.
    infra.add_row("PostgreSQL", _running(postgres_up),
                  f"postgresql://{ADMIN_ROLE}@{profile.host}:{profile.postgres_port}/postgres")
    infra.add_row("Kafka", _running(kafka_up), profile.kafka_bootstrap)
    watcher_process = watcher_pid_file(profile).process()
    infra.add_row("watcher", _running(watcher_process is not None, watcher_process and watcher_process.pid),
                  "restarts crashed services")

    state = read_state(profile).get("services", {})
    watching = is_watching(profile)
    services = Table(title="services", title_justify="left")
    services.add_column("service")
    services.add_column("process", no_wrap=True)
    services.add_column("/readyz", overflow="fold")
    services.add_column("restarts", justify="right")
    services.add_column("port", no_wrap=True)
    written = set(existing_stages(profile))
    async with httpx.AsyncClient() as client:
        for name in (ISSUER, MAILCATCHER, *STAGES):
            label = {ISSUER: "identity", MAILCATCHER: "mail"}.get(name, name)
            url = supervisor.url(name)
            if name not in (ISSUER, MAILCATCHER) and name not in written:
                services.add_row(label, "[dim]not written[/]", "", "", url.rsplit(":", 1)[-1])
                continue
            pid = supervisor.pid(name)
            if pid is None:
                ready_text = "-"
            else:
                answer = await readiness(client, url)
                ready_text = f"[green]{answer.text}[/]" if answer.ready else f"[yellow]{answer.text}[/]"
            watched = state.get(name, {})
            restarts = str(watched.get("restarts", 0)) if watched else "-"
            if watched.get("gave_up"):
                restarts += " [red]gave up[/]"
            elif watched.get("restart_due_at") and watching:
                restarts += " [yellow]due[/]"
            services.add_row(label, _running(pid is not None, pid), ready_text, restarts, url.rsplit(":", 1)[-1])

    dead = Table(title="dead letters", title_justify="left")
    dead.add_column("DLQ topic")
    dead.add_column("records", justify="right")
    counts = await dead_letter_counts(profile.kafka_bootstrap) if kafka_up else None
    for topic in DLQ_TOPICS:
        if counts is None:
            dead.add_row(topic, "[dim]Kafka unreachable[/]" if kafka_up else "[dim]Kafka stopped[/]")
        else:
            held = counts.get(topic, 0)
            dead.add_row(topic, f"[red]{held}[/]" if held else "0")

    # Time-driven transitions: what waits, and what the worker gave up on (operators fix and reschedule).
    timed = Table(title="due transitions", title_justify="left")
    for column in ("service", "pending", "done", "failed"):
        timed.add_column(column, justify="left" if column == "service" else "right")
    for name in STAGES:
        if name not in written:
            continue
        found = await due_transition_counts(runtime.databases.service_dsn(name), name) if postgres_up else None
        if found is None:
            timed.add_row(name, "[dim]-[/]", "[dim]-[/]", "[dim]PostgreSQL unreachable[/]" if postgres_up else "[dim]-[/]")
        else:
            failed = f"[red]{found['failed']}[/]" if found["failed"] else "0"
            timed.add_row(name, str(found["pending"]), str(found["done"]), failed)
    return Group(infra, services, dead, timed)
