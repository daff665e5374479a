"""`python -m benchmarks` (make bench): relay, inbox, per-hop latency, memory and CPV search, in one run.

Brings up the "test" profile's PostgreSQL + Kafka and the five services when they are not
running, and stops at the end only what it started (like the pytest plugin). Prints figures
with a raw aiokafka baseline measured in the same run; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import re
import sys
import time
import traceback
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import asyncpg
from rich.console import Console
from unefois_deploy.config import load_profile
from unefois_deploy.runtime import Runtime
from unefois_deploy.services import ISSUER, ServiceSupervisor, existing_stages
from unefois_kernel.telemetry import configure_tracing

from benchmarks import (
    cpv_search,
    hops,
    inbox,
    memory,
    relay,
    report,
    tendering_search,
    verdict,
)
from benchmarks.support import percentile

ALL = ("relay", "inbox", "hops", "memory", "cpv", "search")
RESULTS_DIR = Path(__file__).parent / "results"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    parser.add_argument("--relay-n", type=int, default=20_000, help="outbox rows for the relay benchmark")
    parser.add_argument("--inbox-n", type=int, default=20_000, help="events for the inbox benchmark")
    parser.add_argument("--hop-events", type=int, default=1_000, help="events per hop for the latency benchmark")
    parser.add_argument("--search-rows", type=int, default=100_000, help="published consultations for the search benchmark")
    parser.add_argument("--rate", type=float, default=100.0, help="pace of the latency benchmark, events/s")
    parser.add_argument("--repeat", type=int, default=3,
                        help="repetitions of relay, inbox and hops (each with its baseline); the median is judged")
    parser.add_argument("--compare", type=Path, default=None, help="an earlier results JSON to print ratios against")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="folder of the results JSON")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.repeat <= 20:
        parser.error("--repeat must be between 1 and 20")
    arguments.only = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = set(arguments.only) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    for name in ("relay_n", "inbox_n", "hop_events", "search_rows"):
        if not 1 <= getattr(arguments, name) <= 1_000_000:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 1,000,000")
    if not 1 <= arguments.rate <= 10_000:
        parser.error("--rate must be between 1 and 10,000")
    return arguments


class _CountWarnings(logging.Handler):
    """Client libraries' warnings (aiokafka's retries on a topic just created, ...), counted for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = re.sub(r"bench\.[a-z]+\.[0-9a-f]+", "bench.<topic>", record.getMessage().splitlines()[0])[:160]
        self.counts[f"{record.name}: {message}"] += 1


async def _synchronous_commit(admin_dsn: str) -> str:
    conn = await asyncpg.connect(admin_dsn)
    try:
        return await conn.fetchval("SHOW synchronous_commit")
    finally:
        await conn.close()


class _Run:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.failures: dict[str, str] = {}

    async def step(self, name: str, coroutine):
        """Run one benchmark; a failure is reported and the others still run."""
        self.console.print(f"[bold]→ {name}[/] …")
        began = time.monotonic()
        try:
            result = await coroutine
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            self.failures[name] = f"{type(exc).__name__}: {exc}"
            self.console.print(f"[red]{name} failed[/]\n{traceback.format_exc()}")
            return None
        self.console.print(f"  {name} done in {time.monotonic() - began:.1f} s")
        return result


def _context(profile, started_runtime, started_services, stages, synchronous_commit: str, load_before: str) -> list[str]:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"profile {profile.name}: Kafka {profile.kafka_bootstrap}, PostgreSQL 127.0.0.1:{profile.postgres_port}; "
        f"started by this run: {', '.join(started_runtime + started_services) or 'nothing (all already running)'}",
        f"{os.cpu_count()} CPUs, load average {load_before} before the run and {load} after "
        "(other work on the machine skews every figure); "
        f"Python {platform.python_version()}, aiokafka {version('aiokafka')}, faststream {version('faststream')}, "
        f"asyncpg {version('asyncpg')}",
        f"services: {', '.join(stages)}; tracing SDK on in this process as in the services (no exporter unless "
        "OTEL_EXPORTER_OTLP_ENDPOINT is set)",
        f"PostgreSQL synchronous_commit = {synchronous_commit}"
        + (" (test profile: commits do not wait for the WAL flush; durable commits would add to every hop)"
           if synchronous_commit == "off" else ""),
    ]


def _ratio(measured: float | None, baseline: float | None) -> float | None:
    return None if measured is None or not baseline else measured / baseline


def _complete_p99(latency) -> float | None:
    """p99 of a path only when every expected sample arrived (a lost event must not flatter the figure)."""
    return latency.percentile(99) if len(latency.samples_ms) >= latency.expected else None


async def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    warnings = _CountWarnings()
    logging.getLogger().addHandler(warnings)
    load_before_values = list(os.getloadavg())
    load_before = ", ".join(f"{value:.2f}" for value in load_before_values)
    console = Console()
    if not console.is_terminal:
        console = Console(width=150)  # piped or redirected: keep the tables readable
    # As the services run: an SDK tracer provider, so the relay's and consumer's spans cost what they cost there.
    configure_tracing("benchmarks")
    cpv_figures = None
    if "cpv" in arguments.only:  # pure Python, no runtime: first, while the machine is quiet
        console.print("[bold]→ cpv[/] …")
        cpv_figures = cpv_search.run()
        if arguments.only == ["cpv"]:
            cpv_search.report(console, *cpv_figures)
            return 0
    profile = load_profile("test")
    runtime = Runtime(profile)
    console.print(f"[bold]unefois benchmarks[/] — bringing up the {profile.name} runtime if needed …")
    start_report = await runtime.up()
    synchronous_commit = "?"
    supervisor = ServiceSupervisor(profile)
    stages = existing_stages(profile)
    started_services: list[str] = []
    run = _Run(console)
    figures, hop_figures, processes, cpu = [], None, [], None
    repetitions: list[dict[str, float | None]] = []
    began_at = datetime.now(UTC)
    search_figures = None
    try:
        bootstrap = profile.kafka_bootstrap
        synchronous_commit = await _synchronous_commit(runtime.databases.admin_dsn())
        if {"hops", "memory"} & set(arguments.only):
            console.print(f"[bold]→ services[/] {', '.join(stages)} …")
            started_services = await supervisor.start_all([ISSUER, *stages])
        for repetition in range(1, arguments.repeat + 1):
            console.rule(f"repetition {repetition}/{arguments.repeat}")
            rep: dict[str, float | None] = {}
            repetitions.append(rep)
            if "relay" in arguments.only:
                relay_figures = await run.step(f"relay #{repetition}",
                                               relay.run(runtime.databases, bootstrap, arguments.relay_n))
                if relay_figures:
                    figures += [relay_figures.live, relay_figures.backlog]
                    if relay_figures.in_process is not None:
                        figures.append(relay_figures.in_process)
                    live, backlog = relay_figures.live, relay_figures.backlog
                    rep.update({"relay.raw_send": live.baseline, "relay.insert_ack": live.measured,
                                "relay.insert_ack_ratio": live.ratio, "relay.drain": backlog.measured,
                                "relay.drain_ratio": backlog.ratio,
                                "relay.insert_ack_in_process_ratio": getattr(relay_figures.in_process, "ratio", None),
                                "relay.raw_send_batch": relay_figures.raw_send_batch,
                                "relay.writers": relay_figures.writers,
                                "relay.tail_after_writes_ms": relay_figures.tail_ms,
                                "relay.insert_ack_vs_send_batch_ratio": _ratio(live.measured,
                                                                               relay_figures.raw_send_batch)})
            if "inbox" in arguments.only:
                inbox_figures = await run.step(f"inbox #{repetition}",
                                               inbox.run(runtime.databases, bootstrap, arguments.inbox_n))
                if inbox_figures:
                    inbox_figure = inbox_figures.batched
                    figures += [inbox_figure, inbox_figures.per_event]
                    rep.update({"inbox.raw_getmany_commit": inbox_figure.baseline,
                                "inbox.events": inbox_figure.measured, "inbox.ratio": inbox_figure.ratio,
                                "inbox.per_event": inbox_figures.per_event.measured})
            if "hops" in arguments.only:
                urls = {stage: supervisor.url(stage) for stage in stages}
                cpu = memory.CpuMeter(runtime, stages)
                hop_figures = await run.step(
                    f"hops #{repetition}",
                    hops.run(urls, runtime.databases.service_dsn, bootstrap, arguments.hop_events, arguments.rate,
                             profile.issuer_url),
                )
                cpu.stop()
                if hop_figures:
                    rep.update({
                        "hops.raw_p99": hop_figures.baseline.percentile(99),
                        "hops.sourcing_tendering_p99": _complete_p99(hop_figures.sourcing_tendering),
                        "hops.contracts_invoicing_p99": _complete_p99(hop_figures.contracts_invoicing),
                        "hops.contracts_opendata_p99": _complete_p99(hop_figures.contracts_opendata),
                        "hops.sourcing_relay_pickup_p99": _complete_p99(hop_figures.sourcing_relay),
                        "hops.contracts_relay_pickup_p99": _complete_p99(hop_figures.contracts_relay),
                        "http.healthz_p50": percentile(hop_figures.healthz_ms or [], 50),
                        "http.healthz_p99": percentile(hop_figures.healthz_ms or [], 99),
                        "http.approve_p50": percentile(hop_figures.approve_ms or [], 50),
                        "http.approve_p99": percentile(hop_figures.approve_ms or [], 99),
                    })
        if "search" in arguments.only:
            search_figures = await run.step("search", tendering_search.run(runtime.databases, arguments.search_rows))
            if search_figures and repetitions:
                repetitions[0]["search.worst_p95"] = search_figures["indexed"]["p95_ms"]  # all queries' p95
        if "memory" in arguments.only:
            processes = memory.snapshot(runtime, stages, cpu)
    finally:
        if started_services:
            console.print(f"stopping the services this run started: {', '.join(started_services)}")
            await asyncio.to_thread(supervisor.stop_all, started_services)
        await runtime.down(postgres=start_report.postgres_started, kafka=start_report.kafka_started)

    started_runtime = [name for name, started in (("PostgreSQL", start_report.postgres_started),
                                                   ("Kafka", start_report.kafka_started)) if started]
    console.rule("unefois benchmarks")
    for line in _context(profile, started_runtime, started_services, stages, synchronous_commit, load_before):
        console.print(f"[dim]{line}[/]")
    report.throughput(console, figures)
    if hop_figures:
        report.latency(console, hop_figures.baseline,
                       [hop_figures.sourcing_tendering, hop_figures.sourcing_relay, hop_figures.contracts_invoicing,
                        hop_figures.contracts_opendata, hop_figures.contracts_relay],
                       hop_figures.notes)
    report.memory(console, processes, cpu.machine_percent if cpu else None, cpu.seconds if cpu else None)
    if cpv_figures:
        cpv_search.report(console, *cpv_figures)
    if search_figures:
        tendering_search.report(console, search_figures)
        tendering_search.write_json(tendering_search.DEFAULT_JSON, search_figures)
        console.print(f"  [dim]• search figures written to {tendering_search.DEFAULT_JSON}[/]")
    if cpv_figures:
        if not repetitions:
            repetitions.append({})
        repetitions[0]["cpv.warm_p95"] = cpv_figures[0][1].percentile(95)  # pure CPU, measured once
    load_after = list(os.getloadavg())
    metrics = verdict.collect(repetitions)
    doc = verdict.document(
        metrics, started_at=began_at.isoformat().replace("+00:00", "Z"),
        ended_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"), repeat=arguments.repeat,
        load_before=load_before_values, load_after=load_after, cpus=os.cpu_count(),
        arguments={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(arguments).items()},
        failures=run.failures)
    report.verdicts(console, doc, load_before_values, load_after)
    path = verdict.write(arguments.results, doc, began_at.strftime("%Y%m%dT%H%M%SZ"))
    console.print(f"  [dim]• figures written to {path} and {arguments.results / 'latest.json'}[/]")
    if arguments.compare:
        report.comparison(console, verdict.compare(doc, verdict.read(arguments.compare)), arguments.compare)
    report.client_warnings(console, dict(warnings.counts))
    report.errors(console, run.failures)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
