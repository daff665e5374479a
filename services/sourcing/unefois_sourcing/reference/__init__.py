"""Reference lists the sourcing service checks input against: CPV 2008 and COG 2026.

Each list is read from this package's CSV files (see PROVENANCE.md) the first time it is
needed, then kept in memory for the life of the process (a few MB). Pure functions, no I/O
after that.

    cpv_label("45000000-7")            -> "Travaux de construction"
    search_cpv("nettoyage batiments")  -> [CpvCode(code="90911200-8", ...), ...]
    commune("69123"), departement("2A"), region("84")
"""

from __future__ import annotations

import bisect
import csv
import functools
import heapq
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "CpvCode", "Commune", "Departement", "Region", "normalise", "cpv_entry", "cpv_label", "search_cpv",
    "commune", "departement", "region", "all_cpv", "cpv_nature", "NATURE_OF_DIVISIONS",
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

    @property
    def nature(self) -> str:
        """"works", "supplies" or "services", after the division (cpv_nature)."""
        return cpv_nature(self.code8)


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

# The nature of a purchase in the CPV 2008 tree (Regulation (EC) No 213/2008, main vocabulary):
# division 45 is works (the directives define a works contract by "the activities of division 45
# of the CPV"), divisions 03 to 44 and 48 (software packages) are goods, 50 to 98 services. Used
# to rank suggestions only: the nature of a need is the buyer's choice, never deduced from its code.
NATURE_OF_DIVISIONS = {"works": "45", "supplies": "03-44, 48", "services": "50-98"}


def cpv_nature(code8: str) -> str:
    """"works", "supplies" or "services" for an 8-digit code, after its division (see above)."""
    division = int(code8[:2])
    if division == 45:
        return "works"
    if division <= 44 or division == 48:
        return "supplies"
    return "services"


# Words a buyer types that say nothing about the object ("travaux de construction" -> travaux, construction).
_STOP_WORDS = frozenset(
    "a au aux avec d de des du en et l la le les par pour sur un une".split()
)

# What buyers call a thing where the CPV labels say another word: a typed word (its stem) also
# matches these label words. Kept short, each pair checked against the labels: none of the
# cleaning services (9091xxxx) says "locaux", they say "bâtiments", "bureaux", "logements".
_SYNONYMS = {
    "locau": ("batiment", "bureau", "immeuble", "logement"),
    "local": ("batiment", "bureau", "immeuble", "logement"),
    "voiture": ("vehicule",),
    "vehicule": ("voiture",),
}


def _stem(word: str) -> str:
    """A word without its plural mark, on both sides of the comparison: "bâtiments" finds "bâtiment",
    "travaux" finds "travaux" ("travau" = "travau"). Short words are kept as they are ("gaz", "vis")."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _positions(mask: int) -> list[int]:
    """The bits set in `mask`, lowest first (a string scan: far faster than shifting a 9,454-bit int)."""
    bits = bin(mask)[:1:-1]
    return [position for position, bit in enumerate(bits) if bit == "1"]


@dataclass(frozen=True)
class _CpvIndex:
    """The CPV list and its search index, built once when this module is imported.

    Entries are numbered in code order; a set of entries is a Python int used as a bit set (bit i =
    entry i), so that "every word matches" is an AND of a few ints and a code prefix a range of bits."""

    by_code8: dict[str, CpvCode]
    ordered: tuple[CpvCode, ...]
    codes8: tuple[str, ...]  # sorted, same order as `ordered`
    labels: tuple[str, ...]  # normalised labels
    stems: tuple[frozenset[str], ...]  # stems of each label's words
    vocabulary: tuple[str, ...]  # every stem of every label, sorted (for prefix ranges)
    postings: dict[str, int]  # stem -> bit set of the entries whose label has it
    nature_masks: dict[str, int]  # "works" / "supplies" / "services" -> bit set
    static_rank: tuple[tuple[int, int, str], ...]  # (significant digits, label length, code) of each entry


def _build_cpv() -> _CpvIndex:
    entries = [CpvCode(r["code"], r["code8"], r["label_fr"], r["label_en"]) for r in _rows(_CPV_FILE)]
    entries.sort(key=lambda e: e.code8)
    labels = tuple(normalise(e.label_fr) for e in entries)
    stems = tuple(frozenset(_stem(word) for word in label.split()) for label in labels)
    postings: dict[str, int] = {}
    nature_masks = {"works": 0, "supplies": 0, "services": 0}
    for position, (entry, entry_stems) in enumerate(zip(entries, stems, strict=True)):
        bit = 1 << position
        for stem in entry_stems:
            postings[stem] = postings.get(stem, 0) | bit
        nature_masks[cpv_nature(entry.code8)] |= bit
    return _CpvIndex(
        by_code8={e.code8: e for e in entries},
        ordered=tuple(entries),
        codes8=tuple(e.code8 for e in entries),
        labels=labels,
        stems=stems,
        vocabulary=tuple(sorted(postings)),
        postings=postings,
        nature_masks=nature_masks,
        static_rank=tuple((len(e.code8.rstrip("0")), len(label), e.code8) for e, label in zip(entries, labels, strict=True)),
    )


_CPV_INDEX = _build_cpv()  # ~9,450 codes, a few MB: built at import, read-only afterwards


def _cpv() -> _CpvIndex:
    return _CPV_INDEX


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


@functools.lru_cache(maxsize=8192)
def _prefix_mask(prefix: str) -> int:
    """Entries having a word whose stem starts with `prefix` (a range of the sorted vocabulary)."""
    index = _cpv()
    vocabulary = index.vocabulary
    start = bisect.bisect_left(vocabulary, prefix)
    end = bisect.bisect_left(vocabulary, prefix + "\uffff", start)
    mask = 0
    for stem in vocabulary[start:end]:
        mask |= index.postings[stem]
    return mask


@functools.lru_cache(maxsize=1024)
def _code_mask(digits: str) -> int:
    """Entries whose code starts with `digits` (contiguous bits: the entries are in code order)."""
    codes = _cpv().codes8
    start = bisect.bisect_left(codes, digits)
    end = bisect.bisect_left(codes, digits + ":", start)  # ":" sorts right after "9"
    return ((1 << end) - 1) ^ ((1 << start) - 1)


def _token_masks(token: str) -> tuple[int, int | None, frozenset[str]]:
    """(entries the typed word matches, those it matches by itself rather than by a synonym (None:
    the word has no synonym, all of them), the stems that count as that word matched whole)."""
    stem = _stem(token)
    direct = _prefix_mask(stem)
    if token.isdigit():
        direct |= _code_mask(token[:8])  # digits among words: a code prefix, or a number in a label
    synonyms = _SYNONYMS.get(stem, ())
    mask = direct
    for synonym in synonyms:
        mask |= _prefix_mask(synonym)
    return mask, (direct if synonyms else None), frozenset((stem, *synonyms))


def search_cpv(text: str, limit: int = 10, nature: str | None = None) -> list[CpvCode]:
    """Suggestions as the buyer types.

    Every word typed (stop words such as "de", "la" dropped) must start a word of the French
    label, anywhere in it, in any order (accents, case and plural marks ignored; the last word
    may be incomplete); a few buyer words also find the labels' own word (`_SYNONYMS`: "locaux"
    finds "bâtiments", "bureaux"). Digits alone are the start of a code ("4521", "45000000-7").

    Ranked: codes of the need's `nature` first ("works", "supplies", "services", after the CPV
    division, see NATURE_OF_DIVISIONS), then labels matching the words typed themselves before
    those found through a synonym, then labels with more words matched whole rather than as a prefix, then the more general code (fewer significant digits), then the label starting with
    the text typed, then the shorter label.
    """
    if limit <= 0 or not isinstance(text, str):
        return []
    query = normalise(text)
    if not query:
        return []
    index = _cpv()
    digits = query.replace(" ", "")
    tokens = query.split()
    wholes: list[frozenset[str]] = []
    directs: list[int] = []
    if digits.isdigit():
        candidates = _code_mask(digits[:8])
    else:
        meaningful = [t for t in tokens if t not in _STOP_WORDS] or tokens
        candidates = -1  # all bits set: the AND below narrows it
        for token in meaningful:
            mask, direct, whole = _token_masks(token)
            candidates &= mask
            if not candidates:
                return []
            wholes.append(whole)
            if direct is not None:
                directs.append(direct)
    by_synonym = [frozenset(_positions(candidates & ~direct)) for direct in directs]
    preferred = index.nature_masks.get(str(nature)) if nature else None
    if preferred is not None:
        # Fill from the need's nature first; the other codes are ranked only when those do not fill the list.
        first = _ranked(index, _positions(candidates & preferred), wholes, by_synonym, query, limit)
        if len(first) < limit:
            first += _ranked(index, _positions(candidates & ~preferred), wholes, by_synonym, query, limit - len(first))
        return [index.ordered[position] for position in first]
    ranked = _ranked(index, _positions(candidates), wholes, by_synonym, query, limit)
    return [index.ordered[position] for position in ranked]


def _ranked(index: _CpvIndex, positions: list[int], wholes: list[frozenset[str]], by_synonym: list[frozenset[int]],
            query: str, limit: int) -> list[int]:
    if not positions or limit <= 0:
        return []
    stems, labels, static = index.stems, index.labels, index.static_rank

    def key(position: int) -> tuple:
        entry_stems = stems[position]
        synonyms = sum(1 for found in by_synonym if position in found)
        whole = sum(1 for alternatives in wholes if not alternatives.isdisjoint(entry_stems))
        significant, length, code = static[position]
        return (synonyms, -whole, significant, not labels[position].startswith(query), length, code)

    return heapq.nsmallest(limit, positions, key=key)


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
