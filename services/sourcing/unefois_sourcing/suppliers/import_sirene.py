"""Import an INSEE SIRENE establishments file (StockEtablissement CSV) into the supplier directory.

    python -m unefois_sourcing.suppliers.import_sirene StockEtablissement_utf8.csv \\
        [--dsn postgresql://...]  (default: $UNEFOIS_SOURCING_DATABASE_URL)
        [--rejects rejets.csv] [--batch-size 5000] [--no-migrate]

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

from unefois_sourcing.suppliers.domain import HeaderError, RejectCode, Rejected, RowParser, Supplier

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
    line integer NOT NULL, siret text NOT NULL, siren text NOT NULL, name text NOT NULL, search_name text NOT NULL,
    address_line text, address_complement text, postal_code text, city text, commune_code text, country text,
    size_category text, size_basis text, naf_code text, head_office boolean NOT NULL, active boolean NOT NULL,
    sirene_updated_at timestamp
) ON COMMIT DROP"""

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


async def import_file(
    conn: asyncpg.Connection,
    path: str | os.PathLike,
    *,
    rejects_path: str | os.PathLike,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file in one transaction of `conn`; see the module docstring. Raises
    HeaderError before touching the database when the header lacks essential columns."""
    path = Path(path)
    began = time.monotonic()
    summary = ImportSummary(file=path, file_bytes=path.stat().st_size, rejects_file=Path(rejects_path))
    with path.open("rb") as raw:
        # utf-8-sig: a BOM, if an editor added one, is not part of the first column's name.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise HeaderError("fichier vide : pas de ligne d'en-tête") from None
        parser = RowParser(header)
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
                                        batch_size=arguments.batch_size, progress=bar)
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
