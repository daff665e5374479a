"""Import an INSEE SIRENE establishments file (StockEtablissement CSV) into the supplier directory.

    python -m unefois_sourcing.suppliers.import_sirene StockEtablissement_utf8.csv \\
        [--unites-legales StockUniteLegale_utf8.csv] \\
        [--dsn postgresql://...]  (default: $UNEFOIS_SOURCING_DATABASE_URL)
        [--rejects rejets.csv] [--batch-size 5000] [--no-migrate]

- The company name: StockEtablissement has none (only an establishment's signs, enseigne1-3,
  and its usual name). With --unites-legales, each establishment takes its company's name
  from StockUniteLegale, joined on siren: denominationUniteLegale, or for an individual
  entrepreneur the usual first name and the name in use ("Jeanne MARTIN"); the establishment's
  own name is the fallback, and a row with neither is rejected. The company's INSEE size
  category (categorieEntreprise) replaces the headcount approximation.
  The join is done by PostgreSQL: both files are streamed into temporary staging tables in
  batches, and one UPDATE ... FROM joins them, so that neither file is ever held in memory
  (PostgreSQL hashes or sorts on disk as it needs) and no file order is assumed.

- Streamed, bounded memory: the csv module reads the file row by row; rows go to the
  database in batches (COPY into a temporary staging table), never all at once.
- All or nothing: the staging COPYs and the final INSERT ... ON CONFLICT (siret) DO UPDATE
  run in one transaction. Any failure (database, disk, Ctrl-C, a file that is not UTF-8)
  rolls it all back and the directory is as it was.
- A bad row does not stop the import: it is written to the rejects CSV file with its line
  number (the file's physical line, header = 1) and the reason, and counted in the summary.
  A SIRET present twice is imported once (the last occurrence wins, as a newer update
  would) and the earlier lines are reported as duplicates.
- Re-importing updates what SIRENE owns and keeps what it does not (cpv_interests).

Exit status: 0 imported (rejects or not), 1 failed and rolled back, 2 unusable file or arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from unefois_sourcing.suppliers.domain import (
    HeaderError,
    LegalUnit,
    LegalUnitParser,
    RejectCode,
    Rejected,
    RowParser,
    Supplier,
)

DEFAULT_BATCH_SIZE = 5_000
STAGING_TABLE = "sirene_staging"
# Order of Supplier.record(line).
STAGING_COLUMNS = (
    "line", "siret", "siren", "name", "search_name", "address_line", "address_complement", "postal_code", "city",
    "commune_code", "country", "size_category", "size_basis", "naf_code", "head_office", "active",
    "sirene_updated_at",
)
_SIRENE_COLUMNS = STAGING_COLUMNS[1:]

_CREATE_STAGING = f"""
CREATE TEMPORARY TABLE {STAGING_TABLE} (
    line integer NOT NULL, siret text NOT NULL, siren text NOT NULL, name text, search_name text,
    address_line text, address_complement text, postal_code text, city text, commune_code text, country text,
    size_category text, size_basis text, naf_code text, head_office boolean NOT NULL, active boolean NOT NULL,
    sirene_updated_at timestamp
) ON COMMIT DROP"""

LEGAL_UNITS_TABLE = "sirene_legal_units"
LEGAL_UNIT_COLUMNS = ("siren", "name", "search_name", "size_category")  # order of LegalUnit.record()
_CREATE_LEGAL_UNITS = f"""
CREATE TEMPORARY TABLE {LEGAL_UNITS_TABLE} (
    siren text NOT NULL, name text, search_name text, size_category text
) ON COMMIT DROP"""
# The company's name first (the order of domain.NAME_COLUMNS: denominationUniteLegale before the
# establishment's usual name and sign), its INSEE size category instead of the approximation.
# A SIREN twice in StockUniteLegale (it should not be) gives one of its rows, whichever.
_JOIN_LEGAL_UNITS = f"""
CREATE INDEX ON {LEGAL_UNITS_TABLE} (siren);
ANALYZE {LEGAL_UNITS_TABLE};
ANALYZE {STAGING_TABLE};
UPDATE {STAGING_TABLE} s SET
    name = coalesce(u.name, s.name),
    search_name = coalesce(u.search_name, s.search_name),
    size_category = coalesce(u.size_category, s.size_category),
    size_basis = CASE WHEN u.size_category IS NOT NULL THEN 'categorieEntreprise' ELSE s.size_basis END
FROM {LEGAL_UNITS_TABLE} u
WHERE u.siren = s.siren AND (u.name IS NOT NULL OR u.size_category IS NOT NULL)"""
_NAMELESS = f"SELECT line, siret FROM {STAGING_TABLE} WHERE name IS NULL ORDER BY line"
_DROP_NAMELESS = f"DELETE FROM {STAGING_TABLE} WHERE name IS NULL"

_DUPLICATES = f"""
SELECT s.line, s.siret, d.kept
FROM {STAGING_TABLE} s
JOIN (SELECT siret, max(line) AS kept FROM {STAGING_TABLE} GROUP BY siret HAVING count(*) > 1) d USING (siret)
WHERE s.line <> d.kept
ORDER BY s.line"""

_DROP_DUPLICATES = f"""
DELETE FROM {STAGING_TABLE} s
USING (SELECT siret, max(line) AS kept FROM {STAGING_TABLE} GROUP BY siret HAVING count(*) > 1) d
WHERE s.siret = d.siret AND s.line <> d.kept"""

_UPSERT = f"""
WITH upserted AS (
    INSERT INTO suppliers ({", ".join(_SIRENE_COLUMNS)}, source, updated_at)
    SELECT {", ".join(_SIRENE_COLUMNS)}, 'sirene', now() FROM {STAGING_TABLE}
    ON CONFLICT (siret) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _SIRENE_COLUMNS if c != "siret")},
        source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM upserted"""

Progress = Callable[[int, int], None]  # (rows read so far, bytes read so far)


@dataclass
class ImportSummary:
    file: Path
    file_bytes: int
    rejects_file: Path
    rows_read: int = 0  # data rows (header excluded)
    legal_units_file: Path | None = None
    legal_units_read: int = 0  # data rows of StockUniteLegale (header excluded)
    legal_units_unusable: int = 0  # of which without a valid SIREN or with the wrong number of columns
    inserted: int = 0
    updated: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.inserted + self.updated

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


class _Rejects:
    """The rejects CSV file, written as rejects come (memory holds counts, not rows)."""

    def __init__(self, path: Path, counts: Counter[str]) -> None:
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(["ligne", "siret", "code", "motif"])
        self._counts = counts

    def add(self, rejected: Rejected) -> None:
        self._writer.writerow([rejected.line, rejected.siret, rejected.code.value, rejected.reason])
        self._counts[rejected.code.value] += 1

    def close(self) -> None:
        self._handle.close()


def _csv_reader(raw) -> csv.reader:
    # utf-8-sig: a BOM, if an editor added one, is not part of the first column's name.
    return csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))


def _header(reader, what: str) -> list[str]:
    try:
        return next(reader)
    except StopIteration:
        raise HeaderError(f"{what} vide : pas de ligne d'en-tête") from None


async def _load_legal_units(conn: asyncpg.Connection, reader, parser: LegalUnitParser, summary: ImportSummary,
                            batch_size: int) -> None:
    """StockUniteLegale into its staging table, batch by batch (memory: one batch)."""
    await conn.execute(_CREATE_LEGAL_UNITS)
    batch: list[tuple] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # an unreadable record: its establishments keep their own name
            summary.legal_units_read += 1
            summary.legal_units_unusable += 1
            continue
        if not row:
            continue
        summary.legal_units_read += 1
        unit = parser.parse(row)
        if not isinstance(unit, LegalUnit):
            summary.legal_units_unusable += 1
            continue
        batch.append(unit.record())
        if len(batch) >= batch_size:
            await conn.copy_records_to_table(LEGAL_UNITS_TABLE, records=batch, columns=LEGAL_UNIT_COLUMNS)
            batch = []
    if batch:
        await conn.copy_records_to_table(LEGAL_UNITS_TABLE, records=batch, columns=LEGAL_UNIT_COLUMNS)


async def import_file(
    conn: asyncpg.Connection,
    path: str | os.PathLike,
    *,
    rejects_path: str | os.PathLike,
    legal_units_path: str | os.PathLike | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one StockEtablissement file in one transaction of `conn`, joined with the
    StockUniteLegale file `legal_units_path` when given; see the module docstring. Raises
    HeaderError before touching the database when a header lacks essential columns."""
    path = Path(path)
    began = time.monotonic()
    summary = ImportSummary(file=path, file_bytes=path.stat().st_size, rejects_file=Path(rejects_path),
                            legal_units_file=Path(legal_units_path) if legal_units_path else None)
    with path.open("rb") as raw, (summary.legal_units_file.open("rb") if summary.legal_units_file
                                  else contextlib.nullcontext()) as legal_raw:
        reader = _csv_reader(raw)
        header = _header(reader, "fichier")
        legal_reader = _csv_reader(legal_raw) if legal_raw is not None else None
        legal_parser = LegalUnitParser(_header(legal_reader, "fichier des unités légales")) if legal_reader else None
        parser = RowParser(header, legal_units_joined=legal_parser is not None)
        rejects = _Rejects(summary.rejects_file, summary.rejected)
        try:
            async with conn.transaction():
                await conn.execute(_CREATE_STAGING)
                batch: list[tuple] = []
                while True:
                    try:
                        row = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as exc:  # e.g. a NUL byte: this record is lost, the next one is read
                        summary.rows_read += 1
                        rejects.add(Rejected(reader.line_num, "", RejectCode.UNREADABLE, f"ligne illisible : {exc}"))
                        continue
                    if not row:
                        continue  # a blank line is no record
                    summary.rows_read += 1
                    parsed = parser.parse(row, reader.line_num)
                    if isinstance(parsed, Supplier):
                        batch.append(parsed.record(reader.line_num))
                    else:
                        rejects.add(parsed)
                    if len(batch) >= batch_size:
                        await conn.copy_records_to_table(STAGING_TABLE, records=batch, columns=STAGING_COLUMNS)
                        batch = []
                        if progress:
                            progress(summary.rows_read, raw.tell())
                if batch:
                    await conn.copy_records_to_table(STAGING_TABLE, records=batch, columns=STAGING_COLUMNS)
                if progress:
                    progress(summary.rows_read, summary.file_bytes)
                if legal_parser is not None:
                    await _load_legal_units(conn, legal_reader, legal_parser, summary, batch_size)
                    await conn.execute(_JOIN_LEGAL_UNITS)
                    nameless = 0
                    async for row in conn.cursor(_NAMELESS):
                        nameless += 1
                        rejects.add(Rejected(row["line"], row["siret"], RejectCode.NAME_MISSING,
                                             "nom manquant (ni dénomination de l'unité légale, ni nom de "
                                             "l'établissement, ni enseigne)"))
                    if nameless:
                        await conn.execute(_DROP_NAMELESS)
                async for duplicate in conn.cursor(_DUPLICATES):
                    rejects.add(Rejected(duplicate["line"], duplicate["siret"], RejectCode.DUPLICATE,
                                         f"SIRET en double dans le fichier : la ligne {duplicate['kept']} est retenue"))
                if summary.rejected[RejectCode.DUPLICATE.value]:
                    await conn.execute(_DROP_DUPLICATES)
                counts = await conn.fetchrow(_UPSERT)
                summary.inserted, summary.updated = counts["inserted"], counts["updated"]
        finally:
            rejects.close()
    summary.seconds = time.monotonic() - began
    return summary


# ---------------------------------------------------------------- command line


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m unefois_sourcing.suppliers.import_sirene", description=__doc__.splitlines()[0]
    )
    parser.add_argument("file", type=Path, help="StockEtablissement CSV (UTF-8, comma-separated, header line)")
    parser.add_argument("--unites-legales", dest="legal_units", type=Path, default=None,
                        help="StockUniteLegale CSV to take each company's name (and size category) from")
    parser.add_argument("--dsn", default=os.environ.get("UNEFOIS_SOURCING_DATABASE_URL"),
                        help="PostgreSQL DSN of the sourcing database (default: $UNEFOIS_SOURCING_DATABASE_URL)")
    parser.add_argument("--rejects", type=Path, default=None,
                        help="rejects CSV file to write (default: <file>.rejets.csv beside the file)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="rows per COPY (default 5000)")
    parser.add_argument("--no-migrate", action="store_true",
                        help="do not apply the sourcing migrations first (the table must exist)")
    arguments = parser.parse_args(argv)
    if not arguments.dsn:
        parser.error("no database: give --dsn or set UNEFOIS_SOURCING_DATABASE_URL")
    if not arguments.file.is_file():
        parser.error(f"{arguments.file}: no such file")
    if arguments.legal_units is not None and not arguments.legal_units.is_file():
        parser.error(f"{arguments.legal_units}: no such file")
    if not 1 <= arguments.batch_size <= 100_000:
        parser.error("--batch-size must be between 1 and 100,000")
    if arguments.rejects is None:
        arguments.rejects = arguments.file.with_name(arguments.file.name + ".rejets.csv")
    return arguments


class _Bar:
    """A rich progress bar over the file's bytes, showing rows and rows/s (plain lines without rich)."""

    def __init__(self, total_bytes: int) -> None:
        self.total = total_bytes
        self.began = time.monotonic()
        try:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn  # noqa: I001, PLC0415
        except ImportError:  # the service image may not ship rich: fall back to a line per 5 %
            self._progress = None
            self._next_report = 0.05
            return
        self._progress = Progress(
            TextColumn("[bold]SIRENE[/]"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rows]:>11,} lignes  {task.fields[rate]:>9,.0f} lignes/s"),
            TimeElapsedColumn(), TextColumn("reste"), TimeRemainingColumn(),
            console=_console(),
        )
        self._task = self._progress.add_task("import", total=total_bytes, rows=0, rate=0.0)

    def __enter__(self) -> _Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, rows: int, read_bytes: int) -> None:
        rate = rows / max(time.monotonic() - self.began, 1e-9)
        if self._progress is not None:
            self._progress.update(self._task, completed=read_bytes, rows=rows, rate=rate)
        elif read_bytes >= self._next_report * self.total:
            print(f"{read_bytes / self.total:4.0%}  {rows:,} lignes  {rate:,.0f} lignes/s", file=sys.stderr)
            self._next_report += 0.05


def _console():
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True)


def _print_summary(summary: ImportSummary) -> None:
    lines = [
        f"fichier           {summary.file} ({summary.file_bytes / 1e6:,.1f} Mo)",
        f"lignes lues       {summary.rows_read:,}",
        f"importées         {summary.imported:,} ({summary.inserted:,} nouvelles, {summary.updated:,} mises à jour)",
        f"rejetées          {summary.rejected_total:,}"
        + (f" ({', '.join(f'{code} {n:,}' for code, n in summary.rejected.most_common())})" if summary.rejected else ""),
        f"rejets            {summary.rejects_file}",
        *([f"unités légales    {summary.legal_units_file} : {summary.legal_units_read:,} lues"
           + (f", {summary.legal_units_unusable:,} inutilisables (SIREN ou colonnes)" if summary.legal_units_unusable
              else "")] if summary.legal_units_file else []),
        f"durée             {summary.seconds:,.1f} s ({summary.rows_per_second:,.0f} lignes/s)",
    ]
    print("\n".join(lines))


async def _run(arguments: argparse.Namespace) -> int:
    from unefois_kernel import db, migrations  # noqa: PLC0415

    conn = await db.connect(arguments.dsn)
    try:
        if not arguments.no_migrate:
            await migrations.apply(
                conn, migrations.kernel_migrations() + migrations.discover("sourcing", "unefois_sourcing")
            )
        with _Bar(arguments.file.stat().st_size) as bar:
            summary = await import_file(conn, arguments.file, rejects_path=arguments.rejects,
                                        legal_units_path=arguments.legal_units, batch_size=arguments.batch_size,
                                        progress=bar)
    finally:
        await conn.close()
    _print_summary(summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(_run(arguments))
    except HeaderError as exc:
        print(f"{arguments.file} : en-tête inutilisable : {exc}. Rien n'a été importé.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu : tout a été annulé, l'annuaire est inchangé.", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - reported, and the transaction was rolled back
        print(f"Échec : {type(exc).__name__}: {exc}. Tout a été annulé, l'annuaire est inchangé.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
