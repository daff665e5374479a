"""SIRENE import benchmark: `python -m benchmarks.sirene_import [--rows 1000000]`.

Generates a StockEtablissement-layout CSV in /tmp (made-up establishments with valid Luhn
SIRETs, realistic columns, one bad row in a thousand), imports it with
unefois_sourcing.suppliers.import_sirene into a scratch database of the "test" profile's
PostgreSQL (started if it is not running, stopped afterwards only if this run started it),
and prints rows/s next to the resident memory of this process sampled during the import
(at 10 %, 50 % and 100 % of the file, and the peak), to show that memory stays flat
whatever the file size. Asserts nothing about time.

With --legal-units, a StockUniteLegale-layout file is generated too (one company per SIREN, in
reverse order: the join assumes none), the establishments lose their own names one in two
(their company's name is then the only one), and the import joins both files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from unefois_deploy.config import load_profile
from unefois_deploy.runtime import Runtime
from unefois_kernel import db, migrations
from unefois_sourcing.suppliers import synthetic
from unefois_sourcing.suppliers.import_sirene import DEFAULT_BATCH_SIZE, ImportSummary, _Bar, import_file

HEADER_FILE = Path(__file__).resolve().parent.parent / "services/sourcing/tests/fixtures/sirene/stock_etablissement_header.csv"
UL_HEADER_FILE = HEADER_FILE.with_name("stock_unite_legale_header.csv")
MARKS = (0.10, 0.25, 0.50, 0.75, 1.00)
BAD_EVERY = 1_000


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sirene_import", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows to generate (default 1,000,000)")
    parser.add_argument("--file", type=Path, default=None, help="CSV to write (default /tmp/unefois_sirene_<rows>.csv)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--reimport", action="store_true", help="import the file a second time (every row an update)")
    parser.add_argument("--keep-file", action="store_true", help="leave the generated file in place")
    parser.add_argument("--legal-units", action="store_true",
                        help="also generate a StockUniteLegale file and join it (the company names)")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.rows <= 50_000_000:
        parser.error("--rows must be between 1 and 50,000,000")
    arguments.file = arguments.file or Path(f"/tmp/unefois_sirene_{arguments.rows}.csv")
    return arguments


def _rows(count: int, *, nameless_every: int = 0):
    maker = synthetic.RowMaker(synthetic.read_header(HEADER_FILE), seed=2026)
    siret_at = maker.header.index("siret")
    for n in range(count):
        row = maker.row(10_000_000 + n, **({"enseigne1Etablissement": ""} if nameless_every and n % nameless_every == 0
                                           else {}))
        if n % BAD_EVERY == 999:
            row[siret_at] = synthetic.break_siret(row[siret_at])
        yield row


class RssSampler:
    """This process's RSS every `interval_s` in a thread (the import loop is busy in Python
    between its awaits), plus the value at each mark of the file read."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.process = psutil.Process()
        self.interval_s = interval_s
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return self.process.memory_info().rss

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self.samples += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


@dataclass
class Run:
    label: str
    summary: ImportSummary | None = None
    rss_before: int = 0
    rss_at: dict[float, tuple[int, int]] = field(default_factory=dict)  # mark -> (rss, rows read)
    peak: int = 0
    samples: int = 0
    streamed_s: float = 0.0  # reading, parsing and COPY of every batch
    upsert_s: float = 0.0  # duplicates check and the final INSERT ... ON CONFLICT, then commit


def _hwm() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _legal_unit_rows(count: int):
    """One StockUniteLegale row per SIREN of _rows(count), last SIREN first."""
    maker = synthetic.LegalUnitMaker(synthetic.read_header(UL_HEADER_FILE), seed=2026)
    for n in reversed(range(count)):
        yield maker.row(synthetic.make_siret(10_000_000 + n)[:9])


async def _import(dsn: str, path: Path, label: str, batch_size: int, legal_units: Path | None = None) -> Run:
    run = Run(label)
    conn = await db.connect(dsn)
    try:
        size = path.stat().st_size
        began = time.monotonic()
        streamed_at = [began]
        marks = list(MARKS)
        with RssSampler() as sampler, _Bar(size) as bar:
            run.rss_before = sampler.rss()

            def progress(rows: int, read: int) -> None:
                bar(rows, read)
                while marks and read >= marks[0] * size:
                    run.rss_at[marks.pop(0)] = (sampler.rss(), rows)
                streamed_at[0] = time.monotonic()

            run.summary = await import_file(conn, path, rejects_path=path.with_name(path.name + ".rejets.csv"),
                                            legal_units_path=legal_units, batch_size=batch_size, progress=progress)
        run.streamed_s = streamed_at[0] - began
        run.upsert_s = time.monotonic() - streamed_at[0]
        run.peak, run.samples = sampler.peak, sampler.samples
    finally:
        await conn.close()
    return run


def _mb(value: int | None) -> str:
    return "?" if value is None else f"{value / 2**20:,.1f} MiB"


def _report(console: Console, arguments, file_bytes: int, generated_s: float, runs: list[Run], context: list[str]) -> None:
    console.rule("SIRENE import benchmark")
    for line in context:
        console.print(f"[dim]{line}[/]")
    table = Table(title="throughput")
    for column in ("run", "rows read", "imported", "rejected", "total s", "rows/s", "stream+COPY s", "upsert+commit s"):
        table.add_column(column, justify="right")
    for run in runs:
        s = run.summary
        table.add_row(run.label, f"{s.rows_read:,}", f"{s.imported:,} ({s.inserted:,} new, {s.updated:,} upd.)",
                      f"{s.rejected_total:,}", f"{s.seconds:,.1f}", f"{s.rows_per_second:,.0f}",
                      f"{run.streamed_s:,.1f}", f"{run.upsert_s:,.1f}")
    console.print(table)
    memory = Table(title=f"resident memory of this process (file {file_bytes / 2**20:,.0f} MiB, {arguments.rows:,} rows)")
    memory.add_column("run")
    memory.add_column("before import", justify="right")
    for mark in MARKS:
        memory.add_column(f"at {mark:.0%} of file", justify="right")
    memory.add_column("peak sampled", justify="right")
    memory.add_column("peak - before", justify="right")
    for run in runs:
        memory.add_row(run.label, _mb(run.rss_before), *(_mb(run.rss_at.get(m, (None, 0))[0]) for m in MARKS),
                       f"{_mb(run.peak)} ({run.samples:,} samples)", _mb(run.peak - run.rss_before))
    console.print(memory)
    console.print(f"file generated in {generated_s:,.1f} s; process VmHWM (whole run, generation included): {_mb(_hwm())}")


async def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    console = Console() if Console().is_terminal else Console(width=150)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())

    began = time.monotonic()
    console.print(f"generating {arguments.rows:,} rows into {arguments.file} …")
    synthetic.write_file(arguments.file, synthetic.read_header(HEADER_FILE),
                         _rows(arguments.rows, nameless_every=2 if arguments.legal_units else 0))
    legal_units = None
    if arguments.legal_units:
        legal_units = arguments.file.with_name(arguments.file.stem + "_unites_legales.csv")
        console.print(f"generating {arguments.rows:,} legal units into {legal_units} …")
        synthetic.write_file(legal_units, synthetic.read_header(UL_HEADER_FILE), _legal_unit_rows(arguments.rows))
    generated_s = time.monotonic() - began
    file_bytes = arguments.file.stat().st_size + (legal_units.stat().st_size if legal_units else 0)

    profile = load_profile("test")
    runtime = Runtime(profile)
    started = await runtime.postgres.start()
    name = f"bench_sirene_{uuid.uuid4().hex[:8]}"
    runs: list[Run] = []
    try:
        dsn = await runtime.databases.create_scratch_database(name)
        conn = await db.connect(dsn)
        try:
            await migrations.apply(conn, [m for m in migrations.discover("sourcing", "unefois_sourcing")
                                          if m.name == "suppliers"])
            trigram = await conn.fetchval("SELECT true FROM pg_extension WHERE extname = 'pg_trgm'")
            settings = {k: await conn.fetchval(f"SHOW {k}") for k in ("synchronous_commit", "work_mem", "shared_buffers")}
        finally:
            await conn.close()
        label = " (+ unités légales)" if legal_units else ""
        runs.append(await _import(dsn, arguments.file, "first import" + label, arguments.batch_size, legal_units))
        if arguments.reimport:
            runs.append(await _import(dsn, arguments.file, "re-import" + label, arguments.batch_size, legal_units))
    finally:
        await runtime.databases.drop_scratch_database(name)
        if started:
            await runtime.postgres.stop()
        if not arguments.keep_file:
            arguments.file.unlink(missing_ok=True)
            arguments.file.with_name(arguments.file.name + ".rejets.csv").unlink(missing_ok=True)
            if legal_units:
                legal_units.unlink(missing_ok=True)

    context = [
        f"profile {profile.name}: PostgreSQL 127.0.0.1:{profile.postgres_port} "
        f"({'started by this run' if started else 'already running'}); scratch database {name}, dropped",
        f"{os.cpu_count()} CPUs, load average {load} before the run; Python {platform.python_version()}, "
        f"asyncpg {version('asyncpg')}, python-stdnum {version('python-stdnum')}",
        f"batch {arguments.batch_size:,} rows per COPY; indexes: primary key, siren, commune, GIN cpv_interests, "
        f"{'GIN trigram on the name' if trigram else 'btree on the name (no pg_trgm)'}; "
        + ", ".join(f"{k} = {v}" for k, v in settings.items()),
        f"one row in {BAD_EVERY:,} has a wrong SIRET key (rejected and written to the rejects file)",
        *([(f"joined with a StockUniteLegale file of {arguments.rows:,} rows (last SIREN first); one establishment "
            "in two has no name of its own (its company's is used)")] if legal_units else []),
    ]
    _report(console, arguments, file_bytes, generated_s, runs, context)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
