"""Public consultation search benchmark: `python -m benchmarks.tendering_search [--rows 100000]`
(also `python -m benchmarks --only search`).

Loads N synthetic published consultations (default 100 000) by COPY into a scratch database of
the "test" profile's PostgreSQL, with tendering's migrations (the table public_consultations and
its indexes, as the service has them), then times the service's own search statement
(unefois_tendering.public.repository.search_sql, one page of 20) for a query mix visitors make:
words, CPV prefixes, a department, a deadline window, a buyer, and combinations, on the open
consultations (the default) and on all of them. Baseline in the same run, on the same queries:
the same statements with index and bitmap scans off (sequential scans), i.e. what the search
costs without its indexes. Prints p50/p95/p99 in ms and queries/s, writes them as JSON
(--json). Asserts nothing about time; the target is p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

P95_TARGET_MS = 50.0
# Beside the run results (benchmarks/results, gitignored), never in the working tree's root.
DEFAULT_JSON = Path(__file__).parent / "results" / "tendering_search.json"
BUYERS = 400
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the clock of the searches: ~12 % of the rows are open

_ACTIONS = ("Travaux de", "Fourniture de", "Maintenance des", "Nettoyage des", "Entretien des", "Réfection des",
            "Location de", "Acquisition de", "Rénovation des", "Prestations de", "Mission de", "Installation des")
_THINGS = ("locaux administratifs", "toitures des écoles", "espaces verts", "voirie communale", "ordinateurs portables",
           "mobilier scolaire", "véhicules utilitaires", "équipements sportifs", "réseaux d'assainissement",
           "bâtiments communaux", "fournitures de bureau", "denrées alimentaires", "logiciels de gestion",
           "éclairage public", "chauffage et ventilation", "ascenseurs", "menuiseries extérieures",
           "peinture intérieure", "restauration scolaire", "maîtrise d'œuvre", "photocopieurs", "vidéoprotection",
           "signalisation routière", "piscine municipale", "médiathèque", "réseau informatique")
_PLACES = ("de la mairie", "du collège", "du lycée", "de l'hôpital", "de la métropole", "du département",
           "de la région", "du centre technique", "des crèches", "du musée")
_PROCEDURES = ("Procédure adaptée",) * 6 + ("Appel d'offres ouvert",) * 3 + ("Appel d'offres restreint",
                                                                             "Procédure avec négociation")
_DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
_BUYER_KINDS = ("Commune de", "Communauté d'agglomération de", "Département de", "Centre hospitalier de",
                "Syndicat intercommunal de", "Métropole de")
_TOWNS = ("Lyon", "Villeurbanne", "Grenoble", "Annecy", "Chambéry", "Valence", "Saint-Étienne", "Bourg-en-Bresse",
          "Clermont-Ferrand", "Dijon", "Besançon", "Nancy", "Metz", "Strasbourg", "Lille", "Amiens", "Rouen", "Caen",
          "Rennes", "Nantes", "Angers", "Tours", "Orléans", "Poitiers", "Limoges", "Bordeaux", "Pau", "Toulouse",
          "Montpellier", "Nîmes", "Marseille", "Nice", "Toulon", "Ajaccio", "Bastia", "Brest", "Quimper", "Vannes")

# (label, filters as the API takes them): what visitors search.
QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("text: 1 word", {"q": "toitures"}),
    ("text: 2 words", {"q": "nettoyage locaux"}),
    ("text: prefix as typed", {"q": "maintenance ascen"}),
    ("text: common word", {"q": "travaux"}),
    ("text: rare, all", {"q": "vidéoprotection musée", "status": "all"}),
    ("CPV division 45", {"cpv": "45"}),
    ("CPV group 452", {"cpv": "452"}),
    ("CPV class 9091, all", {"cpv": "9091", "status": "all"}),
    ("department 69", {"place": "69"}),
    ("department 2A, all, newest", {"place": "2A", "status": "all", "sort": "published"}),
    ("deadline window 2 weeks", {"closing_after": "2026-12-05", "closing_before": "2026-12-19"}),
    ("buyer name", {"q": "", "buyer": "grenoble"}),
    ("text + department", {"q": "espaces verts", "place": "38"}),
    ("CPV + department + window", {"cpv": "45", "place": "69", "closing_before": "2026-12-31"}),
    ("text + CPV, all", {"q": "entretien", "cpv": "50", "status": "all"}),
    ("no filter, page 3", {"page": "3"}),
    ("all, newest first", {"status": "all", "sort": "published"}),
    ("nature + procedure", {"nature": "works", "procedure": "open"}),
)


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

    def summary(self) -> dict:
        return {"name": self.name, "queries": len(self.samples_ms), "queries_per_s": round(self.per_second, 1),
                **{f"p{q}_ms": round(self.percentile(q), 3) for q in (50, 95, 99)},
                "max_ms": round(max(self.samples_ms), 3)}


def _cpv_codes() -> list[str]:
    import csv  # noqa: PLC0415
    from importlib.resources import files  # noqa: PLC0415

    with (files("unefois_tendering") / "reference" / "cpv_2008_fr_en.csv").open(encoding="utf-8") as handle:
        return [row["code8"] for row in csv.DictReader(handle)]


def synthetic_rows(count: int, seed: int = 11):
    """(row for public_consultations without its document, the text of the document) × count."""
    from unefois_tendering.public.domain import cpv_prefixes, normalise  # noqa: PLC0415

    rng = random.Random(seed)
    codes = _cpv_codes()
    buyers = [(f"{2_000_000_0000_0000 + index:014d}"[:14], f"{rng.choice(_BUYER_KINDS)} {rng.choice(_TOWNS)}")
              for index in range(BUYERS)]
    start = NOW - timedelta(days=400)
    for index in range(count):
        siret, buyer = rng.choice(buyers)
        object_ = f"{rng.choice(_ACTIONS)} {rng.choice(_THINGS)} {rng.choice(_PLACES)}"
        main = rng.choice(codes)
        additional = rng.sample(codes, rng.choice((0, 0, 1, 2)))
        department = rng.choice(_DEPARTMENTS)
        commune = department + f"{rng.randrange(1, 999):03d}" if len(department) == 2 else department + \
            f"{rng.randrange(1, 99):02d}"
        published = start + timedelta(minutes=rng.randrange(0, 400 * 24 * 60))
        deadline = published + timedelta(days=rng.randrange(15, 60), hours=rng.choice((12, 24)))
        lots = [{"number": n, "title": f"{rng.choice(_THINGS).capitalize()}"} for n in range(1, rng.choice((1, 1, 2, 4)))]
        nature = "works" if main.startswith("45") else ("services" if int(main[:2]) >= 50 else "supplies")
        text = normalise(" ".join([f"2026-{index:05d}", object_, *(lot["title"] for lot in lots), buyer]))
        yield (uuid.UUID(int=rng.getrandbits(128)), siret, f"2026-{index:05d}", siret, buyer, normalise(buyer),
               object_, "", nature, rng.choice(_PROCEDURES), main, additional, cpv_prefixes([main, *additional]),
               commune, "Code commune", department, commune, json.dumps(lots), "{}", published, deadline, text)


_STAGING = """CREATE UNLOGGED TABLE staging (
    consultation_id uuid, tenant text, reference text, buyer_siret text, buyer_name text, buyer_search text,
    object text, description text, nature text, procedure text, main_cpv text, additional_cpvs text[],
    cpv_prefixes text[], place_code text, place_type text, department text, commune text, lots text, details text,
    published_at timestamptz, bid_deadline timestamptz, document_text text)"""
_STAGING_COLUMNS = ["consultation_id", "tenant", "reference", "buyer_siret", "buyer_name", "buyer_search", "object",
                    "description", "nature", "procedure", "main_cpv", "additional_cpvs", "cpv_prefixes", "place_code",
                    "place_type", "department", "commune", "lots", "details", "published_at", "bid_deadline",
                    "document_text"]


async def load(conn, rows: int) -> dict:
    """COPY the rows into a staging table, then one INSERT … SELECT computing the documents as the
    repository does (the table's row-level security lifted for the load, as its owner)."""
    began = time.perf_counter()
    await conn.execute(_STAGING)
    await conn.copy_records_to_table("staging", records=synthetic_rows(rows), columns=_STAGING_COLUMNS)
    copied = time.perf_counter() - began
    await conn.execute("ALTER TABLE public_consultations NO FORCE ROW LEVEL SECURITY")
    await conn.execute(
        """INSERT INTO public_consultations SELECT consultation_id, tenant, reference, buyer_siret, buyer_name,
               buyer_search, object, description, nature, procedure, main_cpv, additional_cpvs, cpv_prefixes,
               place_code, place_type, department, commune, lots::jsonb, details::jsonb, published_at, bid_deadline,
               to_tsvector('french', document_text) || to_tsvector('simple', document_text) FROM staging""")
    await conn.execute("ALTER TABLE public_consultations FORCE ROW LEVEL SECURITY")
    await conn.execute("DROP TABLE staging")
    await conn.execute("VACUUM ANALYZE public_consultations")
    open_rows = await conn.fetchval("SELECT count(*) FROM public_consultations WHERE bid_deadline > $1", NOW)
    size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('public_consultations'))")
    return {"rows": rows, "open_rows": open_rows, "copy_s": round(copied, 2), "load_s": round(time.perf_counter() - began, 2),
            "table_and_indexes": size}


async def measure(conn, name: str, rounds: int, *, sequential: bool) -> tuple[Figure, dict[str, float]]:
    from unefois_kernel.tenancy import set_scope  # noqa: PLC0415
    from unefois_tendering.public.domain import parse_filters  # noqa: PLC0415
    from unefois_tendering.public.repository import search_sql  # noqa: PLC0415

    statements = [(label, *search_sql(parse_filters(params), NOW)) for label, params in QUERIES]
    samples: list[float] = []
    per_query: dict[str, list[float]] = {label: [] for label, *_ in statements}
    async with conn.transaction():
        await set_scope(conn, tenant=None)  # an anonymous visitor, as the public API runs it
        if sequential:
            await conn.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; "
                               "SET LOCAL enable_indexonlyscan = off")
        for label, sql, arguments in statements:  # one warm-up pass: plans and pages cached
            await conn.fetch(sql, *arguments)
        began = time.perf_counter()
        for _ in range(rounds):
            for label, sql, arguments in statements:
                start = time.perf_counter()
                await conn.fetch(sql, *arguments)
                elapsed = (time.perf_counter() - start) * 1000
                samples.append(elapsed)
                per_query[label].append(elapsed)
        seconds = time.perf_counter() - began
    return Figure(name, samples, seconds), {label: round(statistics.median(values), 3)
                                           for label, values in per_query.items()}


async def run(databases, rows: int = 100_000, rounds: int = 30, baseline_rounds: int = 3) -> dict:
    from unefois_kernel import db, migrations  # noqa: PLC0415

    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    dsn = await databases.create_scratch_database(name)
    try:
        conn = await db.connect(dsn)
        try:
            await migrations.apply(conn, migrations.kernel_migrations() + migrations.discover("tendering",
                                                                                              "unefois_tendering"))
            loaded = await load(conn, rows)
            indexed, indexed_each = await measure(conn, "indexed (the service's statement)", rounds, sequential=False)
            # Its own connection: asyncpg's statement cache would reuse the generic plans made with the indexes.
            fresh = await db.connect(dsn)
            try:
                baseline, baseline_each = await measure(fresh, "baseline: sequential scans (index scans off)",
                                                        baseline_rounds, sequential=True)
            finally:
                await fresh.close()
            trigram = await conn.fetchval("SELECT true FROM pg_extension WHERE extname = 'pg_trgm'") or False
            version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
    finally:
        await databases.drop_scratch_database(name)
    return {"target_p95_ms": P95_TARGET_MS, "load": loaded, "postgres": version, "pg_trgm": trigram,
            "indexed": indexed.summary(), "baseline": baseline.summary(),
            "per_query_median_ms": {label: {"indexed": indexed_each[label], "baseline": baseline_each[label]}
                                    for label in indexed_each},
            "cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
            "python": platform.python_version()}


def report(console: Console, figures: dict) -> None:
    load = figures["load"]
    table = Table(title=f"Public consultation search on {load['rows']:,} consultations ({load['open_rows']:,} open), "
                        f"ms (target: p95 < {P95_TARGET_MS:.0f} ms)", title_justify="left")
    for column in ("search", "queries", "queries/s", "p50", "p95", "p99", "max", "p95 < 50 ms"):
        table.add_column(column, justify="left" if column == "search" else "right")
    for key in ("indexed", "baseline"):
        figure = figures[key]
        met = "[green]yes[/]" if figure["p95_ms"] < P95_TARGET_MS else "[red]NO[/]"
        table.add_row(figure["name"], f"{figure['queries']:,}", f"{figure['queries_per_s']:,.0f}",
                      *(f"{figure[f'p{q}_ms']:,.2f}" for q in (50, 95, 99)), f"{figure['max_ms']:,.2f}", met,
                      style="bold" if key == "baseline" else None)
    console.print(table)
    each = Table(title="Median per query, ms", title_justify="left")
    for column in ("query", "indexed", "baseline"):
        each.add_column(column, justify="left" if column == "query" else "right")
    for label, values in figures["per_query_median_ms"].items():
        each.add_row(label, f"{values['indexed']:,.2f}", f"{values['baseline']:,.2f}")
    console.print(each)
    console.print(f"  [dim]• loaded by COPY + INSERT … SELECT in {load['load_s']} s (COPY {load['copy_s']} s); table "
                  f"and indexes {load['table_and_indexes']}; PostgreSQL {figures['postgres']}, pg_trgm "
                  f"{'on' if figures['pg_trgm'] else 'absent'}[/]")
    console.print(f"  [dim]• {len(QUERIES)} queries a round, one page of 20 (21 rows read), one connection, "
                  f"anonymous scope; {figures['cpus']} CPUs, load average {figures['load_average']}, "
                  f"Python {figures['python']}[/]")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tendering_search", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic published consultations (default 100000)")
    parser.add_argument("--rounds", type=int, default=30, help="passes over the query mix, indexed (default 30)")
    parser.add_argument("--baseline-rounds", type=int, default=3, help="passes of the baseline (default 3)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON,
                        help="where the figures are written (default benchmarks/results/tendering_search.json)")
    arguments = parser.parse_args(argv)
    if not 100 <= arguments.rows <= 2_000_000 or not 1 <= arguments.rounds <= 10_000 \
            or not 1 <= arguments.baseline_rounds <= 100:
        parser.error("--rows 100 to 2,000,000, --rounds 1 to 10,000, --baseline-rounds 1 to 100")
    return arguments


def write_json(path: Path, figures: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


async def _main(arguments: argparse.Namespace) -> int:
    from unefois_deploy.config import load_profile  # noqa: PLC0415
    from unefois_deploy.runtime import Runtime  # noqa: PLC0415

    console = Console() if Console().is_terminal else Console(width=150)
    runtime = Runtime(load_profile("test"))
    started = await runtime.postgres.start()
    try:
        figures = await run(runtime.databases, arguments.rows, arguments.rounds, arguments.baseline_rounds)
    finally:
        if started:
            await runtime.postgres.stop()
    report(console, figures)
    write_json(arguments.json, figures)
    console.print(f"  [dim]• figures written to {arguments.json}[/]")
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(_arguments(argv)))


if __name__ == "__main__":
    sys.exit(main())
