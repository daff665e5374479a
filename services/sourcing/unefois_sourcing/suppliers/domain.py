"""Supplier directory: what a SIRENE establishment row becomes, why a row is refused, and what
a search of the directory may ask.

Pure code (no I/O): the import (import_sirene.py) streams a file through `RowParser`; the
directory's pages and API read `Establishment`s found by a `SupplierSearch`.

Size category (PME / ETI / GE). The legal definition (loi 2008-776 art. 51, décret
2008-1354) is about the *company* (unité légale, or even the group): headcount, turnover
and balance sheet. INSEE computes it as `categorieEntreprise` in the StockUniteLegale file.
When the file imported carries that column (an establishments file joined with its unités
légales), it is used as is. Otherwise the category is **approximated from the
establishment's own headcount band** (`trancheEffectifsEtablissement`):

    NN, 00, 01, 02, 03, 11, 12, 21, 22, 31  (no employee .. 249)   -> PME
    32, 41, 42, 51                          (250 .. 4,999)         -> ETI
    52, 53                                  (5,000 and more)       -> GE
    empty                                                          -> unknown (NULL)

That approximation ignores turnover and balance sheet and undercounts companies with
several establishments: a small branch of a large group comes out PME. It is a hint for
a buyer's market research, never a legal qualification (the `size_basis` column says which
of the two sources a row's category came from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stdnum.fr import siret as stdnum_siret

from unefois_events.values import text_problem
from unefois_kernel.auth.principal import Role
from unefois_sourcing import reference
from unefois_sourcing.reference import normalise


class SizeCategory(StrEnum):
    PME = "PME"
    ETI = "ETI"
    GE = "GE"


class SizeBasis(StrEnum):
    COMPANY = "categorieEntreprise"  # INSEE's computation, company level
    ESTABLISHMENT_HEADCOUNT = "trancheEffectifsEtablissement"  # the approximation above


_SIZE_BY_BAND = {
    **dict.fromkeys(("NN", "00", "01", "02", "03", "11", "12", "21", "22", "31"), SizeCategory.PME),
    **dict.fromkeys(("32", "41", "42", "51"), SizeCategory.ETI),
    **dict.fromkeys(("52", "53"), SizeCategory.GE),
}


def size_from_band(band: str) -> SizeCategory | None:
    """The approximation from an establishment's headcount band; None when unknown."""
    return _SIZE_BY_BAND.get(band.strip())


# Columns of StockEtablissement the import reads (by name: the file's column order has
# changed over the years and may again). Any other column is ignored.
REQUIRED_COLUMNS = ("siren", "nic", "siret")
NAME_COLUMNS = (
    # Not in StockEtablissement itself: present when the file was joined with StockUniteLegale.
    "denominationUniteLegale",
    "denominationUsuelleEtablissement",
    "enseigne1Etablissement",
)
OPTIONAL_COLUMNS = (
    *NAME_COLUMNS,
    "categorieEntreprise",  # idem, StockUniteLegale
    "trancheEffectifsEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "codeCommuneEtablissement",
    "libellePaysEtrangerEtablissement",
    "etatAdministratifEtablissement",
    "etablissementSiege",
    "activitePrincipaleEtablissement",
    "dateDernierTraitementEtablissement",
)

# Street types as SIRENE abbreviates them (INSEE's list, the most frequent ones).
_STREET_TYPES = {
    "ALL": "Allée", "AV": "Avenue", "BD": "Boulevard", "CAR": "Carrefour", "CHE": "Chemin", "CHS": "Chaussée",
    "CITE": "Cité", "COR": "Corniche", "CRS": "Cours", "DOM": "Domaine", "DSC": "Descente", "ECA": "Écart",
    "ESP": "Esplanade", "FG": "Faubourg", "GR": "Grande Rue", "HAM": "Hameau", "HLE": "Halle", "IMP": "Impasse",
    "LD": "Lieu-dit", "LOT": "Lotissement", "MAR": "Marché", "MTE": "Montée", "PARC": "Parc", "PAS": "Passage",
    "PL": "Place", "PLN": "Plaine", "PLT": "Plateau", "PRO": "Promenade", "PRV": "Parvis", "QUA": "Quartier",
    "QUAI": "Quai", "RES": "Résidence", "RLE": "Ruelle", "ROC": "Rocade", "RPT": "Rond-point", "RTE": "Route",
    "RUE": "Rue", "SEN": "Sentier", "SQ": "Square", "TPL": "Terre-plein", "TRA": "Traverse", "VLA": "Villa",
    "VLGE": "Village", "ZA": "Zone d'activité", "ZAC": "ZAC", "ZI": "Zone industrielle",
}
_REPETITION = {"B": "bis", "T": "ter", "Q": "quater", "C": "quinquies"}
_NOT_DIFFUSED = "[ND]"  # statutDiffusion P: the field is withheld
_COMMUNE_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
_POSTAL_CODE = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True)
class Supplier:
    """One row of the `suppliers` table, as the import writes it (cpv_interests aside)."""

    siret: str
    siren: str
    # The establishment's own name; None only when the import joins StockUniteLegale, whose
    # company name (LegalUnit) comes first and may be the only one.
    name: str | None
    search_name: str | None  # normalise(name): what name search compares with
    address_line: str | None
    address_complement: str | None
    postal_code: str | None
    city: str | None
    commune_code: str | None
    country: str | None  # None: France
    size_category: str | None
    size_basis: str | None
    naf_code: str | None
    head_office: bool
    active: bool
    sirene_updated_at: datetime | None

    # Column order of the staging table (import_sirene.STAGING_COLUMNS follows it).
    def record(self, line: int) -> tuple:
        return (
            line, self.siret, self.siren, self.name, self.search_name, self.address_line, self.address_complement,
            self.postal_code, self.city, self.commune_code, self.country, self.size_category, self.size_basis,
            self.naf_code, self.head_office, self.active, self.sirene_updated_at,
        )


class RejectCode(StrEnum):
    """Why a row was refused, in a word (the rejects file also carries the sentence)."""

    COLUMNS = "colonnes"
    UNREADABLE = "illisible"
    SIRET_MISSING = "siret_manquant"
    SIRET_INVALID = "siret_invalide"
    SIRET_MISMATCH = "siret_incoherent"
    NAME_MISSING = "nom_manquant"
    COMMUNE_INVALID = "commune_invalide"
    DUPLICATE = "doublon"


@dataclass(frozen=True)
class Rejected:
    line: int
    siret: str
    code: RejectCode
    reason: str


class HeaderError(ValueError):
    """The file's header line lacks a column the import cannot do without."""


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if not value or value == _NOT_DIFFUSED else value


def _timestamp(value: str | None) -> datetime | None:
    value = _clean(value)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def street_line(number: str | None, repetition: str | None, street_type: str | None, street: str | None) -> str | None:
    """"12", "B", "AV", "DES CHAMPS" -> "12 bis Avenue DES CHAMPS" (SIRENE keeps street names in capitals)."""
    parts = [
        _clean(number),
        _REPETITION.get((_clean(repetition) or "").upper(), _clean(repetition)),
        _STREET_TYPES.get((_clean(street_type) or "").upper(), _clean(street_type)),
        _clean(street),
    ]
    line = " ".join(part for part in parts if part)
    return line or None


def is_valid_siret(value: str) -> bool:
    """python-stdnum's check: 14 digits and Luhn, with La Poste's exception (SIREN 356000000)."""
    return stdnum_siret.is_valid(value)


class RowParser:
    """Turns the rows of one SIRENE establishments file (csv.reader lists) into Suppliers or Rejected.

    Built from the header line: columns are found by name, so an older or newer layout with
    the same names works; a header without siren/nic/siret is refused at once.
    """

    def __init__(self, header: list[str], *, legal_units_joined: bool = False) -> None:
        names = [name.strip().lstrip("\ufeff") for name in header]
        missing = [column for column in REQUIRED_COLUMNS if column not in names]
        if missing:
            raise HeaderError(f"colonne(s) absente(s) de l'en-tête : {', '.join(missing)}")
        if not legal_units_joined and not any(column in names for column in NAME_COLUMNS):
            raise HeaderError(f"aucune colonne de nom dans l'en-tête (une de : {', '.join(NAME_COLUMNS)})")
        # With StockUniteLegale joined, a row without a name of its own waits for its company's name.
        self.legal_units_joined = legal_units_joined
        self.width = len(names)
        position = {name: i for i, name in enumerate(names)}
        self._at = {column: position.get(column) for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}

    def _get(self, row: list[str], column: str) -> str | None:
        index = self._at[column]
        return None if index is None else _clean(row[index])

    def parse(self, row: list[str], line: int) -> Supplier | Rejected:
        get = self._get
        if len(row) != self.width:
            siret = row[self._at["siret"]].strip() if len(row) > self._at["siret"] else ""
            return Rejected(line, siret, RejectCode.COLUMNS, f"{len(row)} colonnes au lieu de {self.width}")
        siret = (get(row, "siret") or "").replace(" ", "")
        if not siret:
            return Rejected(line, "", RejectCode.SIRET_MISSING, "SIRET manquant")
        if not is_valid_siret(siret):
            return Rejected(line, siret, RejectCode.SIRET_INVALID, "SIRET invalide (14 chiffres, clé de Luhn, exception La Poste)")
        siren, nic = get(row, "siren") or "", get(row, "nic") or ""
        if siren + nic != siret:
            return Rejected(line, siret, RejectCode.SIRET_MISMATCH, f"SIRET différent de siren + nic ({siren} + {nic})")
        name = next((value for value in (get(row, c) for c in NAME_COLUMNS) if value), None)
        if name is None and not self.legal_units_joined:
            return Rejected(line, siret, RejectCode.NAME_MISSING, "nom manquant (ni dénomination, ni enseigne)")
        commune_code = get(row, "codeCommuneEtablissement")
        if commune_code is not None and not _COMMUNE_CODE.match(commune_code):
            return Rejected(line, siret, RejectCode.COMMUNE_INVALID, f"code commune INSEE mal formé : {commune_code!r}")
        postal_code = get(row, "codePostalEtablissement")
        company_size = get(row, "categorieEntreprise")
        if company_size in SizeCategory.__members__:
            size, basis = SizeCategory(company_size), SizeBasis.COMPANY
        else:
            size = size_from_band(get(row, "trancheEffectifsEtablissement") or "")
            basis = SizeBasis.ESTABLISHMENT_HEADCOUNT if size else None
        return Supplier(
            siret=siret,
            siren=siren,
            name=name,
            search_name=normalise(name) if name else None,
            address_line=street_line(get(row, "numeroVoieEtablissement"), get(row, "indiceRepetitionEtablissement"),
                                     get(row, "typeVoieEtablissement"), get(row, "libelleVoieEtablissement")),
            address_complement=get(row, "complementAdresseEtablissement"),
            postal_code=postal_code if postal_code and _POSTAL_CODE.match(postal_code) else None,
            city=get(row, "libelleCommuneEtablissement") or get(row, "libelleCommuneEtrangerEtablissement"),
            commune_code=commune_code,
            country=get(row, "libellePaysEtrangerEtablissement"),
            size_category=size.value if size else None,
            size_basis=basis.value if basis else None,
            naf_code=get(row, "activitePrincipaleEtablissement"),
            head_office=get(row, "etablissementSiege") == "true",
            active=get(row, "etatAdministratifEtablissement") != "F",
            sirene_updated_at=_timestamp(get(row, "dateDernierTraitementEtablissement")),
        )


# ---------------------------------------------------------------- StockUniteLegale (the companies)

# Columns of StockUniteLegale the import reads, by name (../shared/reference/data/sirene/).
LEGAL_UNIT_COLUMNS = (
    "siren",
    "denominationUniteLegale",  # a company's name; empty for an individual entrepreneur
    "nomUniteLegale", "nomUsageUniteLegale", "prenomUsuelUniteLegale", "prenom1UniteLegale",  # an individual's
    "categorieEntreprise",  # PME / ETI / GE, INSEE's computation (décret 2008-1354)
)
_SIREN = re.compile(r"^[0-9]{9}$")


@dataclass(frozen=True)
class LegalUnit:
    """What the directory takes from one StockUniteLegale row: the company's name and size."""

    siren: str
    name: str | None
    search_name: str | None
    size_category: str | None

    def record(self) -> tuple:
        return (self.siren, self.name, self.search_name, self.size_category)


def person_name(first_name: str | None, last_name: str | None, usage_name: str | None) -> str | None:
    """An individual entrepreneur's name as the directory shows it: "Jeanne MARTIN" (the usual first
    name, and the name in use when there is one, else the birth name; SIRENE keeps names in capitals)."""
    parts = [part for part in (first_name, usage_name or last_name) if part]
    return " ".join(parts) if last_name or usage_name else None


class LegalUnitParser:
    """StockUniteLegale rows (csv.reader lists) -> LegalUnit, columns found by name like RowParser."""

    def __init__(self, header: list[str]) -> None:
        names = [name.strip().lstrip("\ufeff") for name in header]
        if "siren" not in names:
            raise HeaderError("colonne absente de l'en-tête du fichier des unités légales : siren")
        if "denominationUniteLegale" not in names and "nomUniteLegale" not in names:
            raise HeaderError("aucune colonne de nom dans l'en-tête du fichier des unités légales "
                              "(denominationUniteLegale ou nomUniteLegale)")
        self.width = len(names)
        position = {name: i for i, name in enumerate(names)}
        self._at = {column: position.get(column) for column in LEGAL_UNIT_COLUMNS}

    def _get(self, row: list[str], column: str) -> str | None:
        index = self._at[column]
        return None if index is None else _clean(row[index])

    def parse(self, row: list[str]) -> LegalUnit | None:
        """None for a row the join cannot use (wrong width, no valid SIREN): its establishments
        keep their own name, or are refused without one, in the rejects file."""
        if len(row) != self.width:
            return None
        get = self._get
        siren = get(row, "siren") or ""
        if not _SIREN.match(siren):
            return None
        name = get(row, "denominationUniteLegale") or person_name(
            get(row, "prenomUsuelUniteLegale") or get(row, "prenom1UniteLegale"),
            get(row, "nomUniteLegale"), get(row, "nomUsageUniteLegale"))
        size = get(row, "categorieEntreprise")
        return LegalUnit(siren=siren, name=name, search_name=normalise(name) if name else None,
                         size_category=size if size in SizeCategory.__members__ else None)


# ---------------------------------------------------------------- reading the directory

# Who reads the directory: the buyers, for their market research.
READERS = frozenset({Role.BUYER, Role.BUYER_APPROVER})


@dataclass(frozen=True)
class Establishment:
    """One establishment of the directory, as buyers read it."""

    siret: str
    siren: str
    name: str
    address_line: str | None
    address_complement: str | None
    postal_code: str | None
    city: str | None
    commune_code: str | None
    country: str | None
    size_category: str | None
    size_basis: str | None
    naf_code: str | None
    head_office: bool
    active: bool
    cpv_interests: list[str]
    source: str
    updated_at: datetime


@dataclass(frozen=True)
class SupplierSearch:
    """What a buyer looks for; every criterion given must hold."""

    name: str | None = None  # each word occurs in the name (accents and case ignored)
    siret: str | None = None
    cpv: str | None = None  # a CPV code (with or without its check digit): interests in it or below it
    commune: str | None = None  # INSEE commune code
    include_closed: bool = False
    limit: int = 20
    offset: int = 0


MAX_NAME_QUERY = 200  # characters of a name searched (the API's Line(200))
NO_CRITERION = "indiquez au moins un critère de recherche : nom, SIRET, code CPV ou code commune"


def normalise_siret(value: str) -> str:
    """A SIRET as people type it, "123 456 789 00012" (spaces, non-breaking ones too, dots), as 14 digits."""
    return re.sub(r"[\s.\u00a0\u202f]", "", value)


def criteria_errors(*, siret: str | None = None, cpv: str | None = None,
                    commune: str | None = None, name: str | None = None,
                    require_one: bool = False) -> list[dict[str, str]]:
    """Every search criterion that cannot match anything, as {field, reason}, in the form's order;
    with `require_one`, no criterion at all is refused too (the directory is not listed whole)."""
    errors = []
    if require_one and not any(value and value.strip() for value in (name, siret, cpv, commune)):
        return [{"field": "q", "reason": NO_CRITERION}]
    if name and len(name) > MAX_NAME_QUERY:
        errors.append({"field": "q", "reason": f"le nom cherché dépasse {MAX_NAME_QUERY} caractères ({len(name)}) : "
                                               "raccourcissez-le"})
    elif name and (problem := text_problem(name, multiline=False)) is not None:
        errors.append({"field": "q", "reason": problem})
    if siret and not is_valid_siret(siret):
        errors.append({"field": "siret", "reason": "SIRET invalide : 14 chiffres attendus, clé de contrôle (Luhn) incorrecte"})
    if cpv and reference.cpv_entry(cpv) is None:
        errors.append({"field": "cpv", "reason": "code CPV inconnu de la nomenclature CPV 2008 (ou clé de contrôle erronée)"})
    if commune and reference.commune(commune) is None:
        errors.append({"field": "commune", "reason": "code commune INSEE inconnu du COG 2026"})
    return errors
