"""Reference lists the sourcing service checks input against: CPV 2008 and COG 2026.

Each list is read from this package's CSV files (see PROVENANCE.md) the first time it is
needed, then kept in memory for the life of the process (a few MB). Pure functions, no I/O
after that.

    cpv_label("45000000-7")            -> "Travaux de construction"
    search_cpv("nettoyage batiments")  -> [CpvCode(code="90911200-8", ...), ...]
    commune("69123"), departement("2A"), region("84")
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "CpvCode", "Commune", "Departement", "Region", "normalise", "cpv_entry", "cpv_label", "search_cpv",
    "commune", "departement", "region", "all_cpv",
]

_CPV_FILE = "cpv_2008_fr_en.csv"
_COMMUNE_FILE = "v_commune_2026_com_arm.csv"
_DEPARTEMENT_FILE = "v_departement_2026.csv"
_REGION_FILE = "v_region_2026.csv"

_CPV_INPUT = re.compile(r"^([0-9]{8})(?:-([0-9]))?$")


@dataclass(frozen=True)
class CpvCode:
    code: str  # with its check digit: "45000000-7"
    code8: str  # "45000000"
    label_fr: str
    label_en: str

    @property
    def division(self) -> str:
        """The 2-digit division ("45"), what the splitting warning groups by."""
        return self.code8[:2]


@dataclass(frozen=True)
class Commune:
    code: str  # INSEE code, "69123" (not a postal code)
    name: str
    departement: str
    region: str
    kind: str  # "COM" (commune) or "ARM" (arrondissement municipal of Paris, Lyon, Marseille)
    parent: str | None = None  # the commune of an ARM


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region: str


@dataclass(frozen=True)
class Region:
    code: str
    name: str


def _rows(file_name: str) -> Iterator[dict[str, str]]:
    with resources.files(__package__).joinpath(file_name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: "Bâtiments (d'œuvre)" -> "batiments d oeuvre"."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", stripped.lower()))


# ---------------------------------------------------------------- CPV


@dataclass(frozen=True)
class _CpvIndex:
    by_code8: dict[str, CpvCode]
    ordered: tuple[CpvCode, ...]
    words: tuple[tuple[str, ...], ...]  # normalised words of each label, same order as `ordered`
    labels: tuple[str, ...]  # normalised labels


@functools.cache
def _cpv() -> _CpvIndex:
    entries = [CpvCode(r["code"], r["code8"], r["label_fr"], r["label_en"]) for r in _rows(_CPV_FILE)]
    labels = tuple(normalise(e.label_fr) for e in entries)
    return _CpvIndex(
        by_code8={e.code8: e for e in entries},
        ordered=tuple(entries),
        words=tuple(tuple(label.split()) for label in labels),
        labels=labels,
    )


def all_cpv() -> tuple[CpvCode, ...]:
    return _cpv().ordered


def cpv_entry(code: str) -> CpvCode | None:
    """The CPV entry for "45000000" or "45000000-7"; None if unknown or if the check digit
    given is not the right one (the list is the only reference for it: no formula works)."""
    match = _CPV_INPUT.match(code.strip()) if isinstance(code, str) else None
    if match is None:
        return None
    entry = _cpv().by_code8.get(match[1])
    if entry is None or (match[2] is not None and entry.code != code.strip()):
        return None
    return entry


def cpv_label(code: str) -> str | None:
    """French label of a CPV code given with or without its check digit; None if unknown or wrong check digit."""
    entry = cpv_entry(code)
    return entry.label_fr if entry else None


# Words a buyer types that say nothing about the object ("travaux de construction" -> travaux, construction).
_STOP_WORDS = frozenset(
    "a au aux d de des du en et l la le les par pour sur un une".split()
)


def search_cpv(text: str, limit: int = 10) -> list[CpvCode]:
    """Suggestions as the buyer types: every word typed must start a word of the French label
    (accents and case ignored, the last word may be incomplete); digits match the code's start.

    Ranked: label starting with the text typed, then words matched whole rather than as a
    prefix, then the more general code (fewer significant digits), then the shorter label.
    """
    if limit <= 0:
        return []
    query = normalise(text)
    if not query:
        return []
    index = _cpv()
    digits = query.replace(" ", "")
    if digits.isdigit():
        hits = [e for e in index.ordered if e.code8.startswith(digits[:8])]
        hits.sort(key=lambda e: (len(e.code8.rstrip("0")), e.code8))
        return hits[:limit]
    tokens = query.split()
    meaningful = [t for t in tokens if t not in _STOP_WORDS] or tokens
    ranked = []
    for position, (entry, words, label) in enumerate(zip(index.ordered, index.words, index.labels, strict=True)):
        whole = 0
        for token in meaningful:
            if token in words:
                whole += 1
            elif not any(word.startswith(token) for word in words):
                break
        else:
            starts = label.startswith(query)
            significant = len(entry.code8.rstrip("0"))
            ranked.append(((not starts, -whole, significant, len(label), position), entry))
    ranked.sort(key=lambda pair: pair[0])
    return [entry for _, entry in ranked[:limit]]


# ---------------------------------------------------------------- COG 2026


@functools.cache
def _communes() -> dict[str, Commune]:
    communes = {}
    for r in _rows(_COMMUNE_FILE):
        if r["TYPECOM"] not in ("COM", "ARM"):
            continue  # the packaged file holds only these; a fuller file would still load right
        communes[r["COM"]] = Commune(
            code=r["COM"], name=r["LIBELLE"], departement=r["DEP"], region=r["REG"], kind=r["TYPECOM"],
            parent=r["COMPARENT"] or None,
        )
    return communes


@functools.cache
def _departements() -> dict[str, Departement]:
    return {r["DEP"]: Departement(r["DEP"], r["LIBELLE"], r["REG"]) for r in _rows(_DEPARTEMENT_FILE)}


@functools.cache
def _regions() -> dict[str, Region]:
    return {r["REG"]: Region(r["REG"], r["LIBELLE"]) for r in _rows(_REGION_FILE)}


def _code(value: object) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def commune(code_insee: str) -> Commune | None:
    """A current commune (or Paris/Lyon/Marseille arrondissement) by INSEE code, COG 2026; None otherwise.

    An INSEE code is not a postal code: Lyon is 69123, not 69001."""
    return _communes().get(_code(code_insee))


def departement(code: str) -> Departement | None:
    """"01".."95", "2A", "2B", "971".."976"; None otherwise."""
    return _departements().get(_code(code))


def region(code: str) -> Region | None:
    """"01".."06", "11".."94" (18 régions); None otherwise."""
    return _regions().get(_code(code))
