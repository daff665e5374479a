"""SIRENE import into a scratch database: counts, rejects with line numbers, upsert, all or nothing."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from unefois_kernel import db, migrations
from unefois_sourcing.suppliers import domain, synthetic
from unefois_sourcing.suppliers.import_sirene import import_file
from unefois_sourcing.suppliers.repository import SuppliersRepository

HEADER_FILE = Path(__file__).parents[1] / "fixtures" / "sirene" / "stock_etablissement_header.csv"
HEADER = synthetic.read_header(HEADER_FILE)
ROWS = 3_000
BATCH = 400  # several COPY batches


def _suppliers_migration() -> list[migrations.Migration]:
    # Only this feature's migration: the directory table does not depend on the others.
    return [m for m in migrations.discover("sourcing", "unefois_sourcing") if m.name == "suppliers"]


@pytest.fixture
async def directory(scratch_database):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, _suppliers_migration())
    try:
        yield conn
    finally:
        await conn.close()


def _generated(path: Path, *, seed: int = 7, rename: bool = False, extra: int = 0) -> dict:
    """ROWS data rows (+extra new ones) with bad rows at known lines; returns what to expect.

    Data row n (0-based) is on line n + 2 (line 1 is the header)."""
    maker = synthetic.RowMaker(HEADER, seed=seed)
    expected = {"bad": {}, "duplicate_of": {}}

    def rows():
        for n in range(ROWS + extra):
            line = n + 2
            overrides = {"etatAdministratifEtablissement": "A"}
            if rename:
                overrides["enseigne1Etablissement"] = f"Renommée {n}"
            row = maker.row(10_000_000 + n, **overrides)
            if n % 500 == 17:
                row[HEADER.index("siret")] = synthetic.break_siret(row[HEADER.index("siret")])
                expected["bad"][line] = "siret_invalide"
            elif n % 500 == 101:
                row[HEADER.index("enseigne1Etablissement")] = ""
                expected["bad"][line] = "nom_manquant"
            elif n % 1000 == 202:
                row = row[:20]
                expected["bad"][line] = "colonnes"
            elif n % 1000 == 303:
                row[HEADER.index("nic")] = "99999"
                expected["bad"][line] = "siret_incoherent"
            elif n == 2_900:  # the same establishment as row 5, later in the file: this one wins
                row = maker.row(10_000_000 + 5, **{**overrides, "enseigne1Etablissement": "Doublon retenu"})
                expected["duplicate_of"][5 + 2] = line
            yield row

    synthetic.write_file(path, HEADER, rows())
    expected["valid_distinct"] = ROWS + extra - len(expected["bad"]) - len(expected["duplicate_of"])
    return expected


def _rejects(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def _snapshot(conn: asyncpg.Connection) -> tuple[int, str]:
    return await conn.fetchval("SELECT count(*) FROM suppliers"), await conn.fetchval(
        "SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY siret), '')) FROM suppliers s"
    )


async def test_import_counts_rejects_and_upserts(directory, tmp_path):
    source = tmp_path / "StockEtablissement.csv"
    expected = _generated(source)
    rejects_file = tmp_path / "rejets.csv"
    progress = []

    summary = await import_file(directory, source, rejects_path=rejects_file, batch_size=BATCH,
                                progress=lambda rows, read: progress.append((rows, read)))

    assert summary.rows_read == ROWS
    assert summary.inserted == expected["valid_distinct"] and summary.updated == 0
    assert await directory.fetchval("SELECT count(*) FROM suppliers") == expected["valid_distinct"]
    assert summary.rejected == {"siret_invalide": 6, "nom_manquant": 6, "colonnes": 3, "siret_incoherent": 3,
                                "doublon": 1}
    rejects = _rejects(rejects_file)
    assert {int(r["ligne"]): r["code"] for r in rejects if r["code"] != "doublon"} == expected["bad"]
    duplicate = next(r for r in rejects if r["code"] == "doublon")
    assert int(duplicate["ligne"]) == 7 and "ligne 2902" in duplicate["motif"]
    assert all(r["motif"] for r in rejects)
    # The later line of a duplicated SIRET is the one kept.
    kept = await directory.fetchval("SELECT name FROM suppliers WHERE siret = $1", duplicate["siret"])
    assert kept == "Doublon retenu"
    # Progress came per batch, ending at the whole file.
    assert len(progress) >= ROWS // BATCH - 2
    assert progress[-1] == (ROWS, source.stat().st_size)
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)

    # Re-import: same establishments renamed, plus 100 new ones. Curated CPV interests survive.
    siret = await directory.fetchval("SELECT siret FROM suppliers ORDER BY siret LIMIT 1")
    await directory.execute("UPDATE suppliers SET cpv_interests = '{45210000}' WHERE siret = $1", siret)
    renamed = tmp_path / "StockEtablissement-2.csv"
    _generated(renamed, rename=True, extra=100)
    again = await import_file(directory, renamed, rejects_path=tmp_path / "rejets-2.csv", batch_size=BATCH)
    assert again.updated == expected["valid_distinct"]
    assert again.inserted == 100 - 1  # row 2,017 of the extra ones is a bad SIRET (n % 500 == 17)
    row = await directory.fetchrow("SELECT name, cpv_interests FROM suppliers WHERE siret = $1", siret)
    assert row["name"].startswith("Renommée") and row["cpv_interests"] == ["45210000"]


async def test_a_failure_mid_import_leaves_the_directory_unchanged(directory, tmp_path):
    source = tmp_path / "StockEtablissement.csv"
    _generated(source)
    await import_file(directory, source, rejects_path=tmp_path / "r1.csv", batch_size=BATCH)
    before = await _snapshot(directory)
    assert before[0] > 0

    # 1. Interrupted while streaming (after the 3rd COPY), a new file that would rename everything.
    renamed = tmp_path / "StockEtablissement-2.csv"
    _generated(renamed, rename=True, extra=50)
    calls = []

    class Interrupted(Exception):
        pass

    def interrupt(rows: int, _read: int) -> None:
        calls.append(rows)
        if len(calls) == 3:
            raise Interrupted  # as a lost connection or a full disk would, between two batches

    with pytest.raises(Interrupted):
        await import_file(directory, renamed, rejects_path=tmp_path / "r2.csv", batch_size=BATCH, progress=interrupt)
    assert await _snapshot(directory) == before
    assert await directory.fetchval("SELECT to_regclass('sirene_staging')") is None  # dropped with the transaction

    # 2. The final upsert itself fails (a trigger refuses one row, after every batch was copied).
    await directory.execute("""
        CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.name = 'Renommée 2999' THEN RAISE EXCEPTION 'refused by the test'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_one BEFORE INSERT OR UPDATE ON suppliers FOR EACH ROW EXECUTE FUNCTION refuse_one();
    """)
    with pytest.raises(asyncpg.RaiseError, match="refused by the test"):
        await import_file(directory, renamed, rejects_path=tmp_path / "r3.csv", batch_size=BATCH)
    assert await _snapshot(directory) == before

    # The connection is still usable and a clean import then goes through.
    await directory.execute("DROP TRIGGER refuse_one ON suppliers")
    done = await import_file(directory, renamed, rejects_path=tmp_path / "r4.csv", batch_size=BATCH)
    assert done.inserted == 49 and done.updated == before[0]


async def test_name_search_with_and_without_trigrams(directory, tmp_path):
    source = tmp_path / "StockEtablissement.csv"
    maker = synthetic.RowMaker(HEADER, seed=3)
    names = ["Société Générale d'Entretien", "SOCIETE GENERALE DE BATIMENT", "Menuiserie Lefèvre", "Plomberie du Rhône"]
    synthetic.write_file(source, HEADER, (maker.row(20_000_000 + n, enseigne1Etablissement=name,
                                                    codeCommuneEtablissement="69123",
                                                    etatAdministratifEtablissement="A")
                                          for n, name in enumerate(names)))
    await import_file(directory, source, rejects_path=tmp_path / "r.csv")
    await directory.execute("UPDATE suppliers SET cpv_interests = '{45212000}' WHERE name LIKE 'Menuiserie%'")
    trigram = await SuppliersRepository(directory).has_trigram()
    assert trigram  # the test cluster ships contrib and the owner may create trusted extensions

    for use_trigram in (True, False):
        async def names_for(**criteria):
            rows = await SuppliersRepository(directory).search(trigram=use_trigram, **criteria)
            return [r.name for r in rows]

        assert set(await names_for(name="société générale")) == {names[0], names[1]}
        assert set(await names_for(name="generale societe")) == {names[0], names[1]}
        assert await names_for(name="lefevre") == ["Menuiserie Lefèvre"]
        assert await names_for(name="100%_") == []  # LIKE wildcards are escaped
        assert await names_for(cpv="45210000") == ["Menuiserie Lefèvre"]  # a child code of the one searched
        assert await names_for(cpv="45212000") == ["Menuiserie Lefèvre"]
        assert await names_for(cpv="45100000") == []
        assert len(await names_for(commune="69123")) == 4
        assert await names_for(commune="75056") == []
        siret = synthetic.make_siret(20_000_002, 1 + 20_000_002 % 37)
        assert await names_for(siret=siret) == ["Menuiserie Lefèvre"]
    # Only trigrams forgive a typo.
    assert [r.name for r in await SuppliersRepository(directory).search(name="plomberie du rhonne", trigram=True)] == [
        "Plomberie du Rhône"]
    assert await SuppliersRepository(directory).search(name="plomberie du rhonne", trigram=False) == []
    # Without saying, the repository asks the database whether it has pg_trgm (it has: typos forgiven).
    assert [r.name for r in await SuppliersRepository(directory).search(name="plomberie du rhonne")] == [
        "Plomberie du Rhône"]


async def test_an_establishment_reads_back_whole(directory, tmp_path):
    source = tmp_path / "StockEtablissement.csv"
    maker = synthetic.RowMaker(HEADER, seed=11)
    synthetic.write_file(source, HEADER, [maker.row(60_000_000, enseigne1Etablissement="Atelier Mécanique",
                                                    etatAdministratifEtablissement="F")])
    await import_file(directory, source, rejects_path=tmp_path / "r.csv")
    siret = await directory.fetchval("SELECT siret FROM suppliers")
    await directory.execute("UPDATE suppliers SET cpv_interests = '{45212000,50000000}' WHERE siret = $1", siret)
    repository = SuppliersRepository(directory)
    found = await repository.get(siret)
    assert (found.siret, found.siren, found.name, found.active, found.cpv_interests, found.source) == (
        siret, siret[:9], "Atelier Mécanique", False, ["45212000", "50000000"], "sirene")
    assert found.updated_at is not None
    assert await repository.get(synthetic.make_siret(1, 99)) is None
    assert await repository.search(name="atelier mecanique") == []  # closed
    assert await repository.search(name="atelier mecanique", include_closed=True) == [found]


async def test_the_command_line(scratch_database, tmp_path):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, _suppliers_migration())
    await conn.close()
    source = tmp_path / "StockEtablissement.csv"
    maker = synthetic.RowMaker(HEADER, seed=5)
    synthetic.write_file(source, HEADER, [maker.row(30_000_000 + n) for n in range(50)]
                         + [maker.row(30_000_100, siret="12345678901234")])
    command = [sys.executable, "-m", "unefois_sourcing.suppliers.import_sirene", str(source), "--dsn", dsn,
               "--no-migrate", "--batch-size", "20"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "importées         50 (50 nouvelles, 0 mises à jour)" in done.stdout
    assert "rejetées          1 (siret_invalide 1)" in done.stdout
    rejects = _rejects(tmp_path / "StockEtablissement.csv.rejets.csv")
    assert rejects == [{"ligne": "52", "siret": "12345678901234", "code": "siret_invalide",
                        "motif": rejects[0]["motif"]}]

    bad_header = tmp_path / "other.csv"
    bad_header.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    refused = subprocess.run([*command[:3], str(bad_header), *command[4:]], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "en-tête inutilisable" in refused.stderr
    no_dsn = subprocess.run([*command[:4]], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin"})
    assert no_dsn.returncode == 2 and "UNEFOIS_SOURCING_DATABASE_URL" in no_dsn.stderr


async def test_without_pg_trgm_the_migration_falls_back_to_a_plain_index(scratch_database, admin_dsn, tmp_path):
    # A database the service role does not own: it may not create even a trusted extension.
    dsn = await scratch_database()
    database = dsn.rsplit("/", 1)[1]
    admin = await asyncpg.connect(admin_dsn.rsplit("/", 1)[0] + "/" + database)
    try:
        await admin.execute(f'ALTER DATABASE "{database}" OWNER TO CURRENT_USER')
        await admin.execute(f'GRANT CONNECT ON DATABASE "{database}" TO unefois_scratch')
        await admin.execute("GRANT CREATE, USAGE ON SCHEMA public TO unefois_scratch")
    finally:
        await admin.close()
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, _suppliers_migration())
        assert not await SuppliersRepository(conn).has_trigram()
        indexes = {r["indexname"] for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'suppliers'")}
        assert "suppliers_search_name_prefix" in indexes and "suppliers_search_name_trgm" not in indexes
        source = tmp_path / "StockEtablissement.csv"
        maker = synthetic.RowMaker(HEADER, seed=9)
        synthetic.write_file(source, HEADER, [maker.row(50_000_000, enseigne1Etablissement="Électricité Générale",
                                                        etatAdministratifEtablissement="A")])
        await import_file(conn, source, rejects_path=tmp_path / "r.csv")
        rows = await SuppliersRepository(conn).search(name="electricite gen")  # the database says: no pg_trgm
        assert [r.name for r in rows] == ["Électricité Générale"]
        assert await SuppliersRepository(conn).search(name="electricite generalle") == []
    finally:
        await conn.close()


# ---------------------------------------------------------------- StockUniteLegale joined (issue 10, item 13)

UL_HEADER = synthetic.read_header(HEADER_FILE.with_name("stock_unite_legale_header.csv"))


async def test_the_company_name_comes_from_stock_unite_legale(directory, tmp_path):
    """Establishments n = 0..39; even ones have no name of their own. Companies for n < 30, written
    last first (no order assumed), plus a row the join cannot use."""
    maker, units = synthetic.RowMaker(HEADER, seed=11), synthetic.LegalUnitMaker(UL_HEADER, seed=11)
    sirets = [synthetic.make_siret(50_000_000 + n, 1) for n in range(40)]

    def establishment(n: int) -> list[str]:
        siret = sirets[n]
        return maker.row(50_000_000 + n, siren=siret[:9], nic=siret[9:], siret=siret, etatAdministratifEtablissement="A",
                         enseigne1Etablissement="" if n % 2 == 0 else f"Enseigne {n}", trancheEffectifsEtablissement="01")

    special = {
        0: {"denominationUniteLegale": "BOULANGERIE DU CENTRE", "categorieEntreprise": "GE"},
        1: {"denominationUniteLegale": "", "prenom1UniteLegale": "JEANNE", "prenomUsuelUniteLegale": "JEANNE",
            "nomUniteLegale": "MARTIN", "nomUsageUniteLegale": "", "categorieEntreprise": ""},
        2: {"denominationUniteLegale": "[ND]", "nomUniteLegale": "[ND]", "prenom1UniteLegale": "[ND]",
            "prenomUsuelUniteLegale": "", "categorieEntreprise": ""},  # diffusion partielle, no name
    }
    establishments, legal_units = tmp_path / "StockEtablissement.csv", tmp_path / "StockUniteLegale.csv"
    synthetic.write_file(establishments, HEADER, (establishment(n) for n in range(40)))
    rows = [units.row(sirets[n][:9], **special.get(n, {})) for n in reversed(range(30))]
    synthetic.write_file(legal_units, UL_HEADER, [*rows, units.row("12345678")])

    summary = await import_file(directory, establishments, rejects_path=tmp_path / "rejets.csv",
                                legal_units_path=legal_units, batch_size=7)

    assert (summary.legal_units_read, summary.legal_units_unusable) == (31, 1)
    nameless = {2, 30, 32, 34, 36, 38}  # no company name (withheld, or no company) and none of their own
    assert summary.rejected == {"nom_manquant": len(nameless)}
    assert {int(r["ligne"]) for r in _rejects(tmp_path / "rejets.csv")} == {n + 2 for n in nameless}
    assert summary.inserted == 40 - len(nameless)
    rows = {r["siret"]: r for r in await directory.fetch("SELECT siret, name, search_name, size_category, size_basis "
                                                         "FROM suppliers")}
    assert rows[sirets[0]]["name"] == "BOULANGERIE DU CENTRE"
    assert (rows[sirets[0]]["size_category"], rows[sirets[0]]["size_basis"]) == ("GE", "categorieEntreprise")
    assert rows[sirets[1]]["name"] == "JEANNE MARTIN"  # the company's name before the establishment's sign
    assert (rows[sirets[1]]["size_category"], rows[sirets[1]]["size_basis"]) == ("PME", "trancheEffectifsEtablissement")
    assert rows[sirets[31]]["name"] == "Enseigne 31"  # no company in the file: its own sign
    assert all(rows[sirets[n]]["name"] == rows[sirets[n]]["name"].upper() for n in range(30) if n != 2 and n in rows)
    repository = SuppliersRepository(directory)
    assert [e.siret for e in await repository.search(name="boulangerie du centre", trigram=False)] == [sirets[0]]
    assert [e.siret for e in await repository.search(name="jeanne martin", trigram=False)] == [sirets[1]]


async def test_a_legal_units_file_without_siren_is_refused_before_any_write(directory, tmp_path):
    establishments, legal_units = tmp_path / "StockEtablissement.csv", tmp_path / "StockUniteLegale.csv"
    synthetic.write_file(establishments, HEADER, [synthetic.RowMaker(HEADER).row(60_000_000)])
    legal_units.write_text("denominationUniteLegale\nX\n", encoding="utf-8")
    with pytest.raises(domain.HeaderError):
        await import_file(directory, establishments, rejects_path=tmp_path / "r.csv", legal_units_path=legal_units)
    assert await directory.fetchval("SELECT count(*) FROM suppliers") == 0
