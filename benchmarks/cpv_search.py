"""CPV search benchmark: `python -m benchmarks.cpv_search [--rounds 50]` (also part of `make bench`).

Times unefois_sourcing.reference.search_cpv (the need form's suggestions) on the whole CPV 2008
list for a set of queries buyers type, as they type them (each query also cut at every length
from 2 characters: "ne", "net", ... "nettoyage de locaux"), with and without the need's nature.
Prints throughput and p50/p95/p99/max latency, and the same for a baseline measured in the same
run on the same queries: a naive linear scan of every label (normalise the query, test every
word against every label's words). Pure Python, no runtime needed. Asserts nothing about time;
the target is p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

P95_TARGET_MS = 20.0

# What buyers type in the CPV field of a need, with the nature they picked (None: not yet picked).
QUERIES: tuple[tuple[str, str | None], ...] = (
    ("nettoyage de locaux", "services"),
    ("nettoyage de bâtiments", "services"),
    ("entretien espaces verts", "services"),
    ("travaux de toiture", "works"),
    ("réfection de voirie", "works"),
    ("travaux de construction", None),
    ("mobilier scolaire", "supplies"),
    ("fournitures de bureau", "supplies"),
    ("ordinateurs portables", "supplies"),
    ("restauration scolaire", "services"),
    ("maintenance informatique", "services"),
    ("logiciel", "supplies"),
    ("électricité", None),
    ("services", None),
    ("4521", None),
    ("45000000-7", None),
    ("90911200", "services"),
    ("Pâtes", "supplies"),
)


def typed_prefixes(queries=QUERIES) -> list[tuple[str, str | None]]:
    """Every query as the suggestions see it while the buyer types: cut at each length from 2."""
    cases = []
    for text, nature in queries:
        cases += [(text[:end], nature) for end in range(2, len(text) + 1) if text[:end].strip()]
    return cases


def naive_search(text: str, limit: int = 10, nature: str | None = None) -> list:
    """The baseline: every label of the list scanned for every query, no index (ranked the same
    way in spirit: the need's nature first, then the more general code)."""
    from unefois_sourcing import reference

    query = reference.normalise(text)
    if not query:
        return []
    digits = query.replace(" ", "")
    tokens = [t for t in query.split() if t not in {"de", "des", "du", "la", "le", "les", "d", "l", "et"}] or query.split()
    hits = []
    for entry in reference.all_cpv():
        if digits.isdigit():
            if not entry.code8.startswith(digits[:8]):
                continue
        else:
            words = reference.normalise(entry.label_fr).split()
            if not all(any(word.startswith(token.rstrip("sx")) for word in words) for token in tokens):
                continue
        hits.append(entry)
    hits.sort(key=lambda e: (nature is not None and reference.cpv_nature(e.code8) != nature,
                             len(e.code8.rstrip("0")), e.code8))
    return hits[:limit]


@dataclass
class Figure:
    name: str
    samples_ms: list[float]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.samples_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: int) -> float:
        ordered = sorted(self.samples_ms)
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[q - 1]


def measure(name: str, search: Callable, cases: list[tuple[str, str | None]], rounds: int) -> Figure:
    samples = []
    gc.collect()
    began = time.perf_counter()
    for _ in range(rounds):
        for text, nature in cases:
            start = time.perf_counter()
            search(text, 10, nature)
            samples.append((time.perf_counter() - start) * 1000)
    return Figure(name, samples, time.perf_counter() - began)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cpv_search", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="passes over every typed query (default 50)")
    parser.add_argument("--baseline-rounds", type=int, default=1, help="passes of the naive scan (default 1)")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.rounds <= 100_000 or not 1 <= arguments.baseline_rounds <= 1_000:
        parser.error("--rounds must be between 1 and 100,000, --baseline-rounds between 1 and 1,000")
    return arguments


def run(rounds: int = 50, baseline_rounds: int = 1) -> tuple[list[Figure], Figure, dict]:
    """([indexed search on its first pass, on the next passes], naive scan, context figures)."""
    began = time.perf_counter()
    # Imported here: the import builds the index, timed.
    from unefois_sourcing import reference

    import_s = time.perf_counter() - began
    cases = typed_prefixes()
    reference._prefix_mask.cache_clear()  # the first pass starts with no prefix cached
    cold = measure("search_cpv, 1st pass (cache empty)", reference.search_cpv, cases, 1)
    warm = measure(f"search_cpv, next {rounds} passes", reference.search_cpv, cases, rounds)
    naive = measure("baseline: linear scan", naive_search, cases, baseline_rounds)
    return [cold, warm], naive, {"codes": len(reference.all_cpv()), "cases": len(cases), "import_s": import_s,
                            "queries": len(QUERIES)}


def report(console: Console, indexed: list[Figure], naive: Figure, context: dict) -> None:
    table = Table(title=f"CPV search on {context['codes']:,} codes, ms (target: p95 < {P95_TARGET_MS:.0f} ms)",
                  title_justify="left")
    for column in ("search", "calls", "calls/s", "p50", "p95", "p99", "max", "p95 ÷ baseline p95", "p95 < 20 ms"):
        table.add_column(column, justify="left" if column == "search" else "right")
    base_p95 = naive.percentile(95)
    for figure in (*indexed, naive):
        p95 = figure.percentile(95)
        ratio = "—" if figure is naive else f"{p95 / base_p95:.3f}× ({base_p95 / p95:,.0f}× faster)"
        met = "[green]yes[/]" if p95 < P95_TARGET_MS else "[red]NO[/]"
        table.add_row(figure.name, f"{len(figure.samples_ms):,}", f"{figure.per_second:,.0f}",
                      *(f"{figure.percentile(q):,.3f}" for q in (50, 95, 99)), f"{max(figure.samples_ms):,.3f}",
                      ratio, met, style="bold" if figure is naive else None)
    console.print(table)
    console.print(f"  [dim]• {context['queries']} buyer queries cut at every length from 2 characters: "
                  f"{context['cases']} searches a round, limit 10, with the nature the buyer picked[/]")
    console.print("  [dim]• the 1st pass computes each word prefix's bit set once (kept in an LRU cache of 8,192), "
                  "as the service's first buyers do; the next passes find them cached[/]")
    console.print(f"  [dim]• index built at import of unefois_sourcing.reference: {context['import_s'] * 1000:,.0f} ms "
                  "(CSV read included), once per process[/]")
    console.print(f"  [dim]• {os.cpu_count()} CPUs, load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}, "
                  f"Python {platform.python_version()}; one thread, no other work in this process[/]")


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    console = Console() if Console().is_terminal else Console(width=150)
    indexed, naive, context = run(arguments.rounds, arguments.baseline_rounds)
    report(console, indexed, naive, context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
