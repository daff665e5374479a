"""Rich tables: each figure beside its raw aiokafka baseline from the same run, and the ratio."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from benchmarks.support import Latency, ProcessMemory, Throughput

HOP_P99_TARGET_MS = 50.0


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _met(value: bool | None) -> str:
    return {True: "[green]yes[/]", False: "[red]NO[/]", None: "[yellow]n/a[/]"}[value]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _mib(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f}"


def _notes(console: Console, title: str, notes: list[str]) -> None:
    if notes:
        console.print(f"  [dim]{title}[/]")
        for note in notes:
            console.print(f"    [dim]• {note}[/]")


def throughput(console: Console, figures: list[Throughput]) -> None:
    if not figures:
        return
    table = Table(title="Throughput (same run, same broker)", title_justify="left")
    table.add_column("benchmark")
    table.add_column("N", justify="right")
    table.add_column("measured", justify="right")
    table.add_column("raw aiokafka", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("target")
    table.add_column("met", justify="center")
    for figure in figures:
        ratio = "—" if figure.ratio is None else f"{figure.ratio:.2f}×"
        table.add_row(figure.name, f"{figure.count:,}", f"{_rate(figure.measured)} {figure.unit}",
                      f"{_rate(figure.baseline)} {figure.unit}", ratio, figure.target, _met(figure.target_met))
    console.print(table)
    for figure in figures:
        _notes(console, figure.name, figure.notes)


def latency(console: Console, baseline: Latency | None, hops: list[Latency], notes: list[str]) -> None:
    if baseline is None and not hops:
        return
    table = Table(title=f"Per-hop latency, ms (target: p99 < {HOP_P99_TARGET_MS:.0f} ms)", title_justify="left")
    table.add_column("path")
    table.add_column("samples", justify="right")
    for name in ("p50", "p95", "p99", "max"):
        table.add_column(name, justify="right")
    table.add_column("p99 ÷ raw p99", justify="right")
    table.add_column("p99 < 50 ms", justify="center")
    raw_p99 = baseline.percentile(99) if baseline else None
    for row in ([baseline] if baseline else []) + hops:
        p99 = row.percentile(99)
        plain = row.is_baseline or row.is_breakdown
        ratio = "—" if plain or not p99 or not raw_p99 else f"{p99 / raw_p99:.1f}×"
        met = None if p99 is None or len(row.samples_ms) < row.expected else p99 < HOP_P99_TARGET_MS
        style = "dim" if row.is_breakdown else "bold" if row.is_baseline else None
        table.add_row(row.name, f"{len(row.samples_ms):,}/{row.expected:,}",
                      *(_ms(row.percentile(q)) for q in (50, 95, 99)), _ms(max(row.samples_ms, default=None)),
                      ratio, "" if plain else _met(met), style=style)
    console.print(table)
    for row in ([baseline] if baseline else []) + hops:
        _notes(console, row.name.strip(), row.notes)
    _notes(console, "pacing", notes)


def memory(console: Console, processes: list[ProcessMemory], machine_cpu: float | None, cpu_seconds: float | None) -> None:
    if not processes:
        return
    over = f" (average over its {cpu_seconds:.0f} s)" if cpu_seconds else ""
    table = Table(title=f"Memory after the run (MiB); CPU during the latency benchmark{over}, % of one core",
                  title_justify="left")
    table.add_column("process")
    table.add_column("pid", justify="right")
    table.add_column("RSS", justify="right")
    table.add_column("peak RSS", justify="right")
    table.add_column("CPU", justify="right")
    table.add_column("note")
    for process in processes:
        cpu = "—" if process.cpu_percent is None else f"{process.cpu_percent:.0f}%"
        table.add_row(process.name, "—" if process.pid is None else str(process.pid), _mib(process.rss_bytes),
                      _mib(process.peak_bytes), cpu, process.note,
                      style="dim" if process.note.startswith("context") else None)
    if machine_cpu is not None:
        table.add_row("whole machine (every process, any session)", "", "", "", f"{machine_cpu:.0f}%", "", style="dim")
    console.print(table)
    console.print("  [dim]peak RSS: the kernel's high-water mark (VmHWM; ru_maxrss for this process)[/]")


def errors(console: Console, failures: dict[str, str]) -> None:
    for name, message in failures.items():
        console.print(f"[red]{name} did not complete:[/] {message}")


def client_warnings(console: Console, counts: dict[str, int]) -> None:
    """Warnings the Kafka/PostgreSQL clients logged during the run, counted instead of interleaved."""
    if counts:
        console.print("  [dim]client warnings during the run[/]")
        for message, count in sorted(counts.items(), key=lambda item: -item[1])[:10]:
            console.print(f"    [dim]• {count} × {message}[/]")


_VERDICT_STYLE = {"met": "green", "not met": "red", "not judged: baseline degraded": "yellow", "not measured": "dim"}


def _figure(metric: dict | None) -> str:
    if not metric or metric.get("median") is None:
        return "—"
    unit = metric["unit"]
    fmt = (lambda v: f"{v:.2f}") if unit == "x" else (lambda v: f"{v:,.1f}") if unit == "ms" else (lambda v: f"{v:,.0f}")
    spread = f" ({fmt(metric['min'])}–{fmt(metric['max'])})" if metric["min"] != metric["max"] else ""
    return f"{fmt(metric['median'])}{spread} {unit}"


def verdicts(console: Console, doc: dict, load_before: list[float], load_after: list[float]) -> None:
    """Issue 12's targets on the median of the repetitions (spread min–max), each beside its raw baseline."""
    load = lambda values: ", ".join(f"{v:.2f}" for v in values)
    console.print(f"[bold]load average[/] before {load(load_before)}, after {load(load_after)} "
                  f"({doc.get('cpus')} CPUs); {doc.get('repeat')} repetition(s), median (min–max)")
    table = Table(title="Issue 12 targets (median of the repetitions)", title_justify="left")
    for column in ("target", "measured", "rule", "baseline (same repetitions)", "bound on the baseline", "verdict"):
        table.add_column(column)
    metrics = doc["metrics"]
    for row in doc["verdicts"]:
        base = _figure(metrics.get(row["baseline"])) if row["baseline"] else "—"
        style = _VERDICT_STYLE[row["verdict"]]
        table.add_row(row["target"], _figure(metrics.get(row["metric"])), row["rule"],
                      f"{row['baseline']}: {base}" if row["baseline"] else "—", row["bound"],
                      f"[{style}]« {row['verdict']} »[/]")
    console.print(table)
    every = Table(title="Every figure: median (min–max) over the repetitions", title_justify="left")
    every.add_column("metric")
    every.add_column("median (spread)", justify="right")
    every.add_column("per repetition", justify="right")
    for name, metric in metrics.items():
        values = ", ".join("—" if v is None else f"{v:,.2f}" for v in metric["values"])
        every.add_row(name, _figure(metric), values)
    console.print(every)


def comparison(console: Console, rows: list[dict], earlier) -> None:
    table = Table(title=f"Against {earlier} (medians; ratio = now ÷ earlier)", title_justify="left")
    for column in ("metric", "earlier", "now", "ratio", "change"):
        table.add_column(column, justify="left" if column in ("metric", "change") else "right")
    for row in rows:
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.2f}×"
        change = {True: "[green]better[/]", False: "[red]worse[/]", None: ""}[row["better"]]
        table.add_row(row["metric"], "—" if row["earlier"] is None else f"{row['earlier']:,.2f} {row['unit']}",
                      "—" if row["now"] is None else f"{row['now']:,.2f} {row['unit']}", ratio, change)
    console.print(table)
