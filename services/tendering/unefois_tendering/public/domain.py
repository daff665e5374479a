"""The public side of tendering (pure): what anyone may read of a published consultation, and
the search filters a visitor gives.

A published consultation is copied, in its publication's transaction, into a public projection
(PublicConsultation): the buyer, the object, the lots, the CPV codes, the place, the procedure,
the deadlines and what a supplier needs to decide to answer (criteria, variants, candidate
documents). Its status is computed from the clock when read: open until the bid deadline,
closed from that instant (no job flips it).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from unefois_events.values import PlaceCodeType, Procedure, PurchaseNature
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import InvalidFields
from unefois_tendering.consultations.domain import Consultation, LotCriteria

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
MAX_PAGE = 200  # page × page size stays bounded (limit/offset): refine the search beyond
MAX_TEXT = 200
MAX_TOKENS = 10
MAX_TOKEN_LENGTH = 40


class PublicStatus(StrEnum):
    OPEN = "open"  # ouverte: the bid deadline is ahead
    CLOSED = "closed"  # clôturée: the bid deadline has passed


class StatusFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class Sort(StrEnum):
    DEADLINE = "deadline"  # soonest bid deadline first
    PUBLISHED = "published"  # newest publication first


@dataclass(frozen=True)
class PublicLot:
    number: int
    title: str


@dataclass(frozen=True)
class PublicConsultation:
    id: uuid.UUID
    tenant: str
    reference: str
    buyer_name: str
    buyer_siret: str
    object: str
    description: str
    nature: str
    procedure: str
    main_cpv: str
    additional_cpvs: tuple[str, ...]
    place_code: str
    place_type: str
    department: str | None
    commune: str | None
    lots: tuple[PublicLot, ...]
    published_at: datetime
    bid_deadline: datetime
    questions_deadline: datetime | None = None
    duration_months: int | None = None
    criteria: tuple[LotCriteria, ...] = ()
    variants_allowed: bool | None = None
    required_documents: tuple[str, ...] = ()
    fingerprint: str | None = None  # the sealing key's, joined when read

    def status_at(self, now: datetime) -> PublicStatus:
        """Open strictly before the bid deadline; closed from the deadline's instant on."""
        return PublicStatus.OPEN if now < self.bid_deadline else PublicStatus.CLOSED


# ---------------------------------------------------------------- the projection


def normalise(text: str) -> str:
    """Lower case, accents removed (é -> e, œ -> oe), anything but letters and digits a space:
    the document and the queries are compared unaccented (the unaccent step of the search)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def cpv8(code: str) -> str:
    return code.split("-")[0][:8]


def cpv_prefixes(codes: list[str] | tuple[str, ...]) -> list[str]:
    """Every prefix of 2 to 8 digits of each code (division, group, class, category, ...): a
    search by "45" or "452" is then an exact match on one of them (a GIN index on the array)."""
    prefixes: set[str] = set()
    for code in codes:
        digits = cpv8(code)
        prefixes.update(digits[:length] for length in range(2, len(digits) + 1))
    return sorted(prefixes)


def department_of(code: str, code_type: str) -> str | None:
    """The department of a place of execution, for the search by department: a commune's (or a
    municipal arrondissement's) INSEE code starts with it (3 characters overseas, 97x); a postal
    code's first two digits give it in most cases (Corsica: 200-201 Corse-du-Sud, 202-206
    Haute-Corse; overseas 97x), an approximation: a few communes have a neighbouring
    department's postal code. None for a region, a country or a canton."""
    code = code.strip().upper()
    kind = PlaceCodeType(code_type)
    if kind is PlaceCodeType.DEPARTEMENT:
        return code
    if kind in (PlaceCodeType.COMMUNE, PlaceCodeType.ARRONDISSEMENT):
        return code[:3] if code.startswith(("97", "98")) else code[:2]
    if kind is PlaceCodeType.POSTAL and code.isdigit() and len(code) == 5:
        if code.startswith("97"):
            return code[:3]
        if code.startswith("20"):
            return "2A" if code[2] in "01" else "2B"
        return code[:2]
    return None


def commune_of(code: str, code_type: str) -> str | None:
    return code.strip().upper() if PlaceCodeType(code_type) is PlaceCodeType.COMMUNE else None


def project(consultation: Consultation) -> PublicConsultation:
    """The public copy of a consultation just published."""
    assert consultation.published_at is not None and consultation.bid_deadline is not None
    facts, prep = consultation.purchase, consultation.preparation
    place = facts.place_of_execution
    return PublicConsultation(
        id=consultation.id,
        tenant=consultation.tenant,
        reference=consultation.reference,
        buyer_name=facts.buyer.name,
        buyer_siret=facts.buyer.siret,
        object=facts.object,
        description=facts.description,
        nature=str(facts.nature),
        procedure=facts.procedure.value,
        main_cpv=facts.main_cpv,
        additional_cpvs=tuple(facts.additional_cpvs),
        place_code=place.code,
        place_type=str(place.code_type),
        department=department_of(place.code, str(place.code_type)),
        commune=commune_of(place.code, str(place.code_type)),
        lots=tuple(PublicLot(lot.number, lot.title) for lot in facts.lots),
        published_at=consultation.published_at,
        bid_deadline=consultation.bid_deadline,
        questions_deadline=prep.questions_deadline,
        duration_months=facts.duration_months,
        criteria=prep.criteria,
        variants_allowed=prep.variants_allowed,
        required_documents=prep.required_documents,
    )


def search_text(consultation: PublicConsultation) -> str:
    """What the text search reads, unaccented: reference, object, lots, description, buyer."""
    parts = [consultation.reference, consultation.object, *(lot.title for lot in consultation.lots),
             consultation.description, consultation.buyer_name]
    return normalise(" ".join(part for part in parts if part))


# ---------------------------------------------------------------- the search filters


@dataclass(frozen=True)
class SearchFilters:
    words: tuple[str, ...] = ()  # unaccented; the last one is matched as a prefix
    cpv_prefix: str | None = None
    department: str | None = None
    commune: str | None = None
    closing_after: date | None = None  # Paris calendar days, inclusive
    closing_before: date | None = None
    buyer_siret: str | None = None
    buyer_name: str | None = None  # unaccented
    procedure: str | None = None  # Procedure's value
    nature: str | None = None
    status: StatusFilter = StatusFilter.OPEN
    sort: Sort = Sort.DEADLINE
    page: int = 1
    page_size: int = PAGE_SIZE
    given: dict[str, str] = field(default_factory=dict, compare=False)  # what was typed, for the form

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def closing_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The deadline window as instants: from the start of `closing_after` (Paris) up to the
        end of `closing_before` (00:00 the next day, a deadline "à 24 h" that day included)."""
        after = (None if self.closing_after is None
                 else datetime.combine(self.closing_after, time(0), tzinfo=PLATFORM_TZ))
        before = (None if self.closing_before is None
                  else datetime.combine(self.closing_before + timedelta(days=1), time(0), tzinfo=PLATFORM_TZ))
        return after, before

    def tsquery_terms(self) -> tuple[str, str | None]:
        """(the whole words joined by &, the last word as a prefix 'word:*'): only [a-z0-9] in
        them (normalised), so nothing of the tsquery syntax comes from the visitor."""
        if not self.words:
            return "", None
        return " & ".join(self.words[:-1]), f"{self.words[-1]}:*"


_PROCEDURE_KEYS = {member.name.lower(): member for member in Procedure}
_DEPARTMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])$")
_COMMUNE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")
_CPV = re.compile(r"^([0-9]{2,8})(?:-[0-9])?$")
_SIRET = re.compile(r"^[0-9]{14}$")
FILTER_NAMES = ("q", "cpv", "place", "closing_after", "closing_before", "buyer", "procedure", "nature", "status",
                "sort", "page", "page_size")


def _date(value: str, name: str, errors: list[dict[str, str]]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append({"field": name, "reason": "date attendue au format AAAA-MM-JJ"})
        return None


def _bounded_int(value: str, name: str, low: int, high: int, errors: list[dict[str, str]]) -> int | None:
    if not value.isdigit() or not low <= int(value) <= high:
        errors.append({"field": name, "reason": f"nombre entier de {low} à {high} attendu"})
        return None
    return int(value)


def parse_filters(params: dict[str, Any]) -> SearchFilters:
    """The visitor's filters (query string or form: every value a string, empty means not given)
    as SearchFilters; every unreadable one refused at once, each naming its field (422)."""
    given = {name: str(params.get(name) or "").strip() for name in FILTER_NAMES}
    given = {name: value for name, value in given.items() if value}
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    if text := given.get("q"):
        if len(text) > MAX_TEXT:
            errors.append({"field": "q", "reason": f"{MAX_TEXT} caractères au plus"})
        else:
            words = tuple(word[:MAX_TOKEN_LENGTH] for word in normalise(text).split())
            if len(words) > MAX_TOKENS:
                errors.append({"field": "q", "reason": f"{MAX_TOKENS} mots au plus"})
            values["words"] = words
    if cpv := given.get("cpv"):
        match = _CPV.match(cpv.replace(" ", ""))
        if match is None:
            errors.append({"field": "cpv", "reason": "code CPV attendu : 2 à 8 chiffres (45, 452, 45261210-7)"})
        else:
            # 45000000 is the division 45: its trailing zeros are the hierarchy's, not a code's.
            digits = match.group(1).rstrip("0")
            values["cpv_prefix"] = digits if len(digits) >= 2 else match.group(1)[:2]
    if place := given.get("place"):
        place = place.upper()
        if _DEPARTMENT.match(place):
            values["department"] = place
        elif _COMMUNE.match(place):
            values["commune"] = place
        else:
            errors.append({"field": "place", "reason": "code de département (75, 2A, 971) ou code commune INSEE "
                                                       "(5 caractères, 75056) attendu"})
    for name in ("closing_after", "closing_before"):
        if name in given:
            values[name] = _date(given[name], name, errors)
    if values.get("closing_after") and values.get("closing_before") and values["closing_after"] > values["closing_before"]:
        errors.append({"field": "closing_before", "reason": "la fin de la période précède son début"})
    if buyer := given.get("buyer"):
        compact = buyer.replace(" ", "")
        if _SIRET.match(compact):
            values["buyer_siret"] = compact
        elif len(buyer) > MAX_TEXT or not normalise(buyer):
            errors.append({"field": "buyer", "reason": f"nom (lettres ou chiffres, {MAX_TEXT} caractères au plus) "
                                                       "ou SIRET de 14 chiffres attendu"})
        else:
            values["buyer_name"] = normalise(buyer)
    if procedure := given.get("procedure"):
        member = _PROCEDURE_KEYS.get(procedure.lower()) or next((p for p in Procedure if p.value == procedure), None)
        if member is None:
            errors.append({"field": "procedure", "reason": "procédure inconnue (" + ", ".join(
                f"{p.name.lower()}" for p in Procedure) + ")"})
        else:
            values["procedure"] = member.value
    if nature := given.get("nature"):
        if nature not in {str(n) for n in PurchaseNature}:
            errors.append({"field": "nature", "reason": "nature attendue : works, supplies ou services"})
        else:
            values["nature"] = nature
    if status := given.get("status"):
        if status not in {str(s) for s in StatusFilter}:
            errors.append({"field": "status", "reason": "statut attendu : open (ouvertes), closed (clôturées) ou all"})
        else:
            values["status"] = StatusFilter(status)
    if sort := given.get("sort"):
        if sort not in {str(s) for s in Sort}:
            errors.append({"field": "sort", "reason": "tri attendu : deadline (date limite) ou published (publication)"})
        else:
            values["sort"] = Sort(sort)
    if "page" in given:
        values["page"] = _bounded_int(given["page"], "page", 1, MAX_PAGE, errors)
    if "page_size" in given:
        values["page_size"] = _bounded_int(given["page_size"], "page_size", 1, MAX_PAGE_SIZE, errors)
    if errors:
        raise InvalidFields(errors)
    return SearchFilters(**{key: value for key, value in values.items() if value is not None}, given=given)


@dataclass(frozen=True)
class SearchPage:
    items: tuple[PublicConsultation, ...]
    filters: SearchFilters
    has_more: bool
    now: datetime
