"""Generated SIRENE establishments files, for tests and the import benchmark.

No real SIRENE row is used: SIRETs are made up (valid Luhn keys), names and streets come
from small word lists, communes from the COG 2026 list. Columns follow the header given
(the StockEtablissement layout), filled with realistic values where the import reads them
and plausible ones elsewhere.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from stdnum import luhn

from unefois_sourcing import reference

_NAME_A = ("Atelier", "Bâtiment", "Société", "Entreprise", "Groupe", "Menuiserie", "Plomberie", "Imprimerie",
           "Transports", "Nettoyage", "Informatique", "Jardins", "Électricité", "Restauration", "Conseil")
_NAME_B = ("du Rhône", "de l'Ouest", "Générale", "Martin", "Durand", "des Alpes", "Lefèvre", "du Centre", "Bernard",
           "Moreau", "de Provence", "Océane", "Petit", "Dubois", "Laurent", "des Vosges")
_NAME_C = ("SARL", "SAS", "SA", "SCOP", "EURL", "")
_STREETS = ("DE LA REPUBLIQUE", "VICTOR HUGO", "JEAN JAURES", "DU GENERAL DE GAULLE", "DES LILAS", "PASTEUR",
            "DE LA GARE", "DU MOULIN", "DES ECOLES", "GAMBETTA")
_STREET_TYPES = ("RUE", "AV", "BD", "CHE", "PL", "IMP", "RTE", "ALL")
_BANDS = ("NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53", "")
_NAF = ("43.22A", "81.21Z", "62.01Z", "56.10A", "49.41A", "18.12Z", "41.20B", "71.12B", "81.30Z", "70.22Z")


def make_siret(serial: int, establishment: int = 1) -> str:
    """A Luhn-valid SIREN made from `serial` (< 10^8), and a Luhn-valid SIRET of one of its establishments."""
    siren8 = f"{serial % 10**8:08d}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = f"{establishment % 10**4:04d}"
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)


def break_siret(siret: str) -> str:
    """The same SIRET with a wrong Luhn key (last digit changed)."""
    return siret[:13] + str((int(siret[13]) + 1) % 10)


class RowMaker:
    """Rows (lists of strings) for a given header, reproducible from a seed."""

    def __init__(self, header: Sequence[str], seed: int = 2026) -> None:
        self.header = list(header)
        self.random = random.Random(seed)
        communes = [c for c in _commune_sample()]
        self.communes = communes

    def row(self, serial: int, **overrides: str) -> list[str]:
        r = self.random
        siret = make_siret(serial, 1 + serial % 37)
        commune = r.choice(self.communes)
        values = {
            "siren": siret[:9],
            "nic": siret[9:],
            "siret": siret,
            "statutDiffusionEtablissement": "O",
            "dateCreationEtablissement": f"{r.randint(1970, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "trancheEffectifsEtablissement": r.choice(_BANDS),
            "anneeEffectifsEtablissement": "2023",
            "dateDernierTraitementEtablissement": f"2026-0{r.randint(1, 9)}-1{r.randint(0, 9)}T0{r.randint(0, 9)}:12:30",
            "etablissementSiege": r.choice(("true", "false")),
            "nombrePeriodesEtablissement": str(r.randint(1, 6)),
            "numeroVoieEtablissement": str(r.randint(1, 180)),
            "indiceRepetitionEtablissement": r.choice(("", "", "", "", "B", "T")),
            "typeVoieEtablissement": r.choice(_STREET_TYPES),
            "libelleVoieEtablissement": r.choice(_STREETS),
            "codePostalEtablissement": f"{commune.departement[:2].replace('2A', '20').replace('2B', '20')}{r.randint(0, 999):03d}",
            "libelleCommuneEtablissement": commune.name.upper(),
            "codeCommuneEtablissement": commune.code,
            "identifiantAdresseEtablissement": f"{commune.code}_{r.randint(1000, 9999)}_{r.randint(1, 99):05d}",
            "coordonneeLambertAbscisseEtablissement": f"{r.uniform(100000, 1200000):.1f}",
            "coordonneeLambertOrdonneeEtablissement": f"{r.uniform(6000000, 7100000):.1f}",
            "dateDebut": "2020-01-01",
            "etatAdministratifEtablissement": "A" if r.random() > 0.05 else "F",
            "enseigne1Etablissement": " ".join(p for p in (r.choice(_NAME_A), r.choice(_NAME_B), r.choice(_NAME_C)) if p),
            "activitePrincipaleEtablissement": r.choice(_NAF),
            "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
            "caractereEmployeurEtablissement": r.choice(("O", "N")),
            "activitePrincipaleNAF25Etablissement": r.choice(_NAF),
        }
        values.update(overrides)
        return [values.get(column, "") for column in self.header]


_FIRST_NAMES = ("JEANNE", "LUCAS", "CAMILLE", "HUGO", "LÉA", "NOAH", "CHLOÉ", "LOUIS", "INÈS", "GABRIEL")
_LAST_NAMES = ("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU")
_CATEGORIES = ("PME", "PME", "PME", "PME", "ETI", "GE", "")


class LegalUnitMaker:
    """StockUniteLegale rows (lists of strings) for a given header, reproducible from a seed:
    four companies in five have a denomination, the fifth is an individual entrepreneur."""

    def __init__(self, header: Sequence[str], seed: int = 2026) -> None:
        self.header = list(header)
        self.random = random.Random(seed)

    def row(self, siren: str, **overrides: str) -> list[str]:
        r = self.random
        person = r.random() < 0.2
        values = {
            "siren": siren,
            "statutDiffusionUniteLegale": "O",
            "dateCreationUniteLegale": f"{r.randint(1970, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "trancheEffectifsUniteLegale": r.choice(_BANDS),
            "dateDernierTraitementUniteLegale": "2026-03-01T10:00:00",
            "nombrePeriodesUniteLegale": str(r.randint(1, 6)),
            "categorieEntreprise": r.choice(_CATEGORIES),
            "anneeCategorieEntreprise": "2023",
            "dateDebut": "2020-01-01",
            "etatAdministratifUniteLegale": "A",
            "denominationUniteLegale": "" if person else " ".join(
                p for p in (r.choice(_NAME_A).upper(), r.choice(_NAME_B).upper(), r.choice(_NAME_C)) if p),
            "nomUniteLegale": r.choice(_LAST_NAMES) if person else "",
            "prenom1UniteLegale": r.choice(_FIRST_NAMES) if person else "",
            "prenomUsuelUniteLegale": "",
            "sexeUniteLegale": r.choice(("M", "F")) if person else "",
            "categorieJuridiqueUniteLegale": "1000" if person else r.choice(("5499", "5710", "5720", "6540")),
            "activitePrincipaleUniteLegale": r.choice(_NAF),
            "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
            "caractereEmployeurUniteLegale": r.choice(("O", "N")),
        }
        if person:
            values["prenomUsuelUniteLegale"] = values["prenom1UniteLegale"]
        values.update(overrides)
        return [values.get(column, "") for column in self.header]


def _commune_sample() -> Iterator[reference.Commune]:
    # Every 97th commune: a spread over all départements, a small list to pick from.
    codes = sorted(reference._communes())  # noqa: SLF001 - the module's own loader, read-only
    for code in codes[::97]:
        yield reference.commune(code)


def read_header(path: str | Path) -> list[str]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def write_file(path: str | Path, header: Sequence[str], rows: Iterator[list[str]]) -> int:
    """Write a header line and rows as INSEE does (comma, minimal quoting, LF); returns the rows written."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
