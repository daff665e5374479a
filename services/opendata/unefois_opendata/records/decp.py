"""DECP 2024 (données essentielles de la commande publique), marchés: pure domain code.

Maps a `ContractNotified` event to one `marche` record of the official JSON schema
v2.0.3 (GitHub 139bercy/format-commande-publique, copied in `unefois_opendata/reference/`), wraps records
in the official document, validates documents against that schema, and states the
publication rules of CCP R.2196-1 as pure functions.

The schema is the legal floor, not the whole story: the national consolidation (MINEF,
139bercy/decp-arr2022) also sets aside records the schema accepts. `exclusion_reasons`
and `quality_flags` restate those checks so that we find out before data.gouv.fr does.
Rules and sources are summarised in shared/reference/DECP.md (section numbers cited below).
"""

from __future__ import annotations

import calendar
import functools
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from stdnum.fr import siret as stdnum_siret
from unefois_events.catalogue import BuyerKind, ContractNotified
from unefois_events.values import (
    EnvironmentalConsideration,
    ExecutionMode,
    PurchaseTechnique,
    SocialConsideration,
)
from unefois_rules import DecpDuty, decp_duty

SCHEMA_FILE_NAME = "schema_decp_v2.0.3.json"

# DECP `nature`. The event's `purchase.nature` (works/supplies/services) is a different
# axis and does not map to it. "Marché de défense ou de sécurité" (CCP part 2, book III) is
# what the procedure decision carried by the purchase says when the buyer's regime is
# defence (`purchase.decision.buyer_kind`); "Marché de partenariat" (book II) is a regime
# the platform neither runs nor flags. Otherwise every contract it notifies is an ordinary
# public contract: "Marché" (also when an older producer sent no decision).
ORDINARY_CONTRACT_NATURE = "Marché"
DEFENCE_CONTRACT_NATURE = "Marché de défense ou de sécurité"
HOLDER_IDENTIFIER_TYPE = "SIRET"  # v1's `holders` (Organisation) only carry a SIRET
# The "none" value shared by techniques and modalitesExecution.
NOT_APPLICABLE = "Sans objet"
assert PurchaseTechnique.NONE == ExecutionMode.NONE == NOT_APPLICABLE

# CCP R.2196-1: the duty (DECP from 40 000 € HT of estimated need; DECP or the buyer's annual
# list from 25 000; none below) is the rules engine's, in one place (unefois_rules.decp_duty,
# its dated table): this module only asks it (DECP.md §6).
PUBLICATION_DEADLINE_MONTHS = 2
# The arrêtés of 22/12/2022 (amended 22/12/2023) apply to marchés notified from this day;
# earlier ones belong to the 2019 format, which this module does not produce.
FORMAT_2024_APPLIES_FROM = date(2024, 1, 1)

# Bounds used by the MINEF consolidation (DECP.md §7.2), beyond the schema's minimum 1.
MINIMUM_AMOUNT = Decimal(1)
MAXIMUM_PLAUSIBLE_AMOUNT = Decimal(3000000000)
REPEATED_DIGIT_CHECK_ABOVE = Decimal(100000000)
MAXIMUM_REPEATS_OF_ONE_DIGIT = 6
PLACEHOLDER_AMOUNT_PREFIX = "123456789"
MAXIMUM_DURATION_MONTHS = 180
CONSOLIDATION_ID_PATTERN = re.compile(r"^[A-Za-z0-9/\-_ .#]{1,16}$")
CONSOLIDATION_DATE_PATTERN = re.compile(r"^20[1-3]\d-[01]\d-[0-3]\d$")
# Platform test buyer that leaked into production files (DECP.md §7.3).
KNOWN_TEST_BUYER_SIRETS = frozenset({"44090956200033"})
# CPV roots for which the arrêté expects origineUE/origineFrance (food, vehicles, health
# products, clothing), as applied by the MINEF consolidation (DECP.md §7.2).
ORIGIN_SHARE_CPV_PREFIXES = (
    *(f"15{digit}" for digit in range(1, 10)),
    "341", "3451", "3452", "346", "347", "331", "336",
    "181", "182", "183", "184", "188",
)  # fmt: skip


class DecpRecordError(ValueError):
    """The event cannot be turned into a DECP record that the schema would accept."""


class DuplicateContractIdError(ValueError):
    """Two records share (acheteur.id, id), the key consolidators build (DECP.md §4)."""


class PublicationDuty(StrEnum):
    MANDATORY = "mandatory"  # DECP on data.gouv.fr within two months
    DECP_OR_ANNUAL_LIST = "decp_or_annual_list"  # buyer's choice
    NONE = "none"
    OUT_OF_FORMAT_2024 = "out_of_format_2024"  # notified before 2024: not ours to emit


# ---------------------------------------------------------------- publication rules


def publication_duty(event: ContractNotified) -> PublicationDuty:
    """Which publication R.2196-1 requires for this contract.

    The threshold applies to the estimated value of the need (all lots together, which is
    what `purchase.estimated_value` holds), not to the awarded amount.
    """
    if event.notified_on < FORMAT_2024_APPLIES_FROM:
        return PublicationDuty.OUT_OF_FORMAT_2024
    duty, _, _ = decp_duty(event.purchase.estimated_value, event.notified_on, nature=event.purchase.nature)
    return _DUTIES[duty]


_DUTIES: dict[DecpDuty, PublicationDuty] = {
    DecpDuty.MANDATORY: PublicationDuty.MANDATORY,
    DecpDuty.DECP_OR_ANNUAL_LIST: PublicationDuty.DECP_OR_ANNUAL_LIST,
    DecpDuty.NONE: PublicationDuty.NONE,
}


def contract_nature(event: ContractNotified) -> str:
    """The DECP `nature`: defence or security contract when the purchase's procedure decision
    says the buyer's regime is defence, else an ordinary « Marché »."""
    decision = event.purchase.decision
    if decision is not None and decision.buyer_kind is BuyerKind.DEFENCE:
        return DEFENCE_CONTRACT_NATURE
    return ORDINARY_CONTRACT_NATURE


def must_publish(event: ContractNotified) -> bool:
    """CCP R.2196-1: DECP publication is compulsory from 40 000 € HT of estimated need."""
    return publication_duty(event) is PublicationDuty.MANDATORY


def publication_deadline(notified_on: date) -> date:
    """Last day to publish: two months after notification (R.2196-1, DECP.md §6).

    Same day of the month two months later; when that month is shorter, its last day
    (the usual French computation of a délai in months). Applies to modifications too,
    counted from the modification's notification.
    """
    month_index = notified_on.month - 1 + PUBLICATION_DEADLINE_MONTHS
    year = notified_on.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(notified_on.day, last_day))


def is_published_late(notified_on: date, published_on: date) -> bool:
    return published_on > publication_deadline(notified_on)


# ---------------------------------------------------------------- value mapping


def decp_amount(amount: Decimal) -> int | float:
    """A montant as a JSON number with at most two decimals.

    JSON has no decimal type. `Money` holds at most 15 significant digits, which a binary
    double round-trips exactly, so the float's shortest repr is the entered decimal:
    json.dumps writes 1234.56, never 1234.5600000001. Whole euros are written as integers.
    """
    if not amount.is_finite():
        raise DecpRecordError(f"montant {amount} is not a finite number")
    if amount != amount.quantize(Decimal("0.01")):
        # Rounding a regulated figure would publish an amount nobody entered.
        raise DecpRecordError(f"montant {amount} has more than two decimals")
    if amount < MINIMUM_AMOUNT:
        # The schema requires montant >= 1 and has no "unknown" value: a 0 would make the
        # whole document invalid (DECP.md §7.1). The buyer must enter the estimated maximum.
        raise DecpRecordError(f"montant {amount} is below the DECP minimum of 1 €")
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount.quantize(Decimal("0.01")))


def decp_cpv(cpv: str) -> str:
    """The main CPV without its check digit, which the schema tolerates but disprefers."""
    return cpv.split("-", 1)[0]


def _titulaires(event: ContractNotified) -> list[dict]:
    """DECP titulaires: every holder with its typeIdentifiant (SIRET, TVA, ..., HORS-UE) from the
    event's identified_holders (the foreign ones included); from an older producer, which sends
    none, the SIRET holders."""
    if event.identified_holders:
        pairs = ((str(holder.identifier_type), holder.identifier) for holder in event.identified_holders)
    else:
        pairs = ((HOLDER_IDENTIFIER_TYPE, holder.siret) for holder in event.holders)
    return [{"titulaire": {"typeIdentifiant": kind, "id": identifier}} for kind, identifier in _unique_in_order(pairs)]


def _unique_in_order(values: Iterable[Any]) -> list[Any]:
    # The schema's uniqueItems rejects the whole record on a repeated value.
    return list(dict.fromkeys(values))


def _without_none_marker(values: Iterable[StrEnum], none_marker: StrEnum) -> list[str]:
    """Drop the 'none' value when a real one is present, and duplicates.

    "Pas de considération…" (or "Sans objet") next to a real value is contradictory and
    makes MINEF set the record aside (DECP.md §7.2); the real value is the fact entered.
    """
    unique = _unique_in_order(values)
    if len(unique) > 1:
        unique = [value for value in unique if value != none_marker]
    return [str(value) for value in unique]


def _iso(day: date) -> str:
    # date.isoformat() is always plain YYYY-MM-DD: no time, no timezone (DECP.md §2).
    return day.isoformat()


# ---------------------------------------------------------------- record and document


def decp_marche(event: ContractNotified, published_on: date) -> dict[str, Any]:
    """One DECP `marche` record (schema v2.0.3) for a notified contract.

    `published_on` is the date of *first* publication on data.gouv.fr. It must be kept
    and reused when the record is republished after a modification (DECP.md §2, §3.1).
    """
    if published_on < event.notified_on:
        raise DecpRecordError(
            f"datePublicationDonnees {published_on} precedes dateNotification {event.notified_on}"
        )
    purchase = event.purchase
    record: dict[str, Any] = {
        "id": event.contract_number,
        "acheteur": {"id": purchase.buyer.siret},
        "nature": contract_nature(event),
        # Without the lot number in the event, the objet of the whole purchase is used
        # even for a lot's contract (the schema allows "objet du marché ou du lot").
        "objet": purchase.object,
        "codeCPV": decp_cpv(purchase.main_cpv),
        "techniques": {
            "technique": _without_none_marker(purchase.techniques, PurchaseTechnique.NONE)
        },
        "modalitesExecution": {
            "modaliteExecution": _without_none_marker(purchase.execution_modes, ExecutionMode.NONE)
        },
        "procedure": str(purchase.procedure),
        "lieuExecution": {
            "code": purchase.place_of_execution.code,
            "typeCode": str(purchase.place_of_execution.code_type),
        },
        "dureeMois": purchase.duration_months,
        "dateNotification": _iso(event.notified_on),
        "datePublicationDonnees": _iso(published_on),
        "montant": decp_amount(event.amount),
        "formePrix": str(event.price_form),
        "typesPrix": {"typePrix": [str(price_type) for price_type in _unique_in_order(event.price_types)]},
        "attributionAvance": event.advance_granted,
        "offresRecues": event.offers_received,
        "marcheInnovant": purchase.innovative,
        "ccag": str(purchase.ccag),
        "typeGroupementOperateurs": str(event.grouping),
        "sousTraitanceDeclaree": event.subcontracting_declared,
        "titulaires": _titulaires(event),
        "considerationsSociales": {
            "considerationSociale": _without_none_marker(
                purchase.social_considerations, SocialConsideration.NONE
            )
        },
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": _without_none_marker(
                purchase.environmental_considerations, EnvironmentalConsideration.NONE
            )
        },
    }
    if event.advance_granted:
        # The schema defines tauxAvance 0 with attributionAvance true as "advance paid,
        # rate unknown"; a rate without an advance is meaningless and is left out.
        record["tauxAvance"] = event.advance_rate if event.advance_rate is not None else 0
    # The origin shares the award carried (the supplies the arrêté lists); left out when not given.
    if event.origin_eu_share is not None:
        record["origineUE"] = event.origin_eu_share
    if event.origin_france_share is not None:
        record["origineFrance"] = event.origin_france_share
    return record


def duplicate_contract_keys(marches: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(acheteur.id, id) pairs used by more than one record: `id` is unique per buyer only."""
    counts = Counter((marche["acheteur"]["id"], marche["id"]) for marche in marches)
    return sorted(key for key, count in counts.items() if count > 1)


def decp_document(marches: list[dict[str, Any]]) -> dict[str, Any]:
    """The official envelope `{"marches": {"marche": [...]}}` (an empty list is valid)."""
    duplicates = duplicate_contract_keys(marches)
    if duplicates:
        raise DuplicateContractIdError(f"(acheteur.id, id) used more than once: {duplicates}")
    return {"marches": {"marche": list(marches)}}


# ---------------------------------------------------------------- schema validation


@functools.cache
def decp_schema() -> dict[str, Any]:
    """The official schema, read from package data once.

    Its `$id` points to a file deleted upstream in 2024, and every `$ref` is internal,
    so it is resolved locally and never fetched (DECP.md §7.1).
    """
    schema_file = resources.files("unefois_opendata") / "reference" / SCHEMA_FILE_NAME
    return json.loads(schema_file.read_text(encoding="utf-8"))


@functools.cache
def _decp_validator() -> Draft7Validator:
    schema = decp_schema()
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def validate_decp_document(document: Any) -> list[str]:
    """Schema errors of a DECP document as "<JSON path>: <message>"; empty when valid."""
    errors: list[str] = []
    if not isinstance(document, dict):
        # 2.0.3 has no root `type: object`, so a bare array would pass (fixed in 2.0.4).
        errors.append(f"$: the document must be a JSON object, got {type(document).__name__}")
    for error in sorted(_decp_validator().iter_errors(document), key=lambda e: (e.json_path, e.message)):
        errors.append(f"{error.json_path}: {error.message}")
    return errors


# ---------------------------------------------------------------- consolidation checks


def requires_origin_shares(cpv: str) -> bool:
    """Whether origineUE/origineFrance are expected (food, vehicles, health, clothing)."""
    return decp_cpv(cpv).startswith(ORIGIN_SHARE_CPV_PREFIXES)


def amount_exclusion_reasons(montant: float) -> list[str]:
    """Why MINEF would set a montant aside as implausible (DECP.md §7.2)."""
    amount = Decimal(str(montant))
    digits = format(amount, "f").split(".")[0]
    reasons: list[str] = []
    if amount < MINIMUM_AMOUNT:
        reasons.append(f"montant {montant} is below 1 €")
    if amount > MAXIMUM_PLAUSIBLE_AMOUNT:
        reasons.append(f"montant {montant} exceeds 3 000 000 000 €")
    if amount > REPEATED_DIGIT_CHECK_ABOVE:
        repeated = [d for d, n in Counter(digits).items() if d != "0" and n > MAXIMUM_REPEATS_OF_ONE_DIGIT]
        if repeated:
            reasons.append(f"montant {montant} repeats digit {repeated[0]} more than 6 times")
    if digits.startswith(PLACEHOLDER_AMOUNT_PREFIX):
        reasons.append(f"montant {montant} starts with 123456789, a placeholder value")
    return reasons


def _is_valid_siret(value: str) -> bool:
    # python-stdnum applies Luhn plus the La Poste exception. MINEF uses plain Luhn, so a
    # La Poste SIRET passes here and may still be set aside there.
    return stdnum_siret.is_valid(value)


# Each list of strings sits in a wrapper object holding one array (DECP.md §1).
LIST_ITEM_KEY = {
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}


def _listed(marche: dict[str, Any], wrapper: str) -> list[str]:
    values = (marche.get(wrapper) or {}).get(LIST_ITEM_KEY[wrapper], [])
    return values if isinstance(values, list) else []


def _with_none_marker_mixed(values: list[str], none_marker: str) -> bool:
    return none_marker in values and len(values) > 1


def exclusion_reasons(marche: dict[str, Any]) -> list[str]:
    """Reasons the MINEF consolidation would set this schema-valid record aside (§7.2)."""
    reasons: list[str] = []
    if not CONSOLIDATION_ID_PATTERN.match(str(marche.get("id", ""))):
        reasons.append(f"id {marche.get('id')!r} does not match {CONSOLIDATION_ID_PATTERN.pattern}")
    buyer_siret = marche.get("acheteur", {}).get("id", "")
    if not _is_valid_siret(buyer_siret):
        reasons.append(f"acheteur.id {buyer_siret!r} is not a valid SIRET")
    for index, entry in enumerate(marche.get("titulaires", [])[:3]):
        holder = entry.get("titulaire", {})
        if holder.get("typeIdentifiant") == "SIRET" and not _is_valid_siret(holder.get("id", "")):
            reasons.append(f"titulaires[{index}].id {holder.get('id')!r} is not a valid SIRET")
    montant = marche.get("montant")
    if isinstance(montant, int | float) and not isinstance(montant, bool):
        reasons.extend(amount_exclusion_reasons(montant))
    else:
        reasons.append(f"montant {montant!r} is missing or not a number")
    duration = marche.get("dureeMois")
    if not isinstance(duration, int) or not 1 <= duration <= MAXIMUM_DURATION_MONTHS:
        reasons.append(f"dureeMois {duration!r} is outside 1..{MAXIMUM_DURATION_MONTHS}")
    for field in ("dateNotification", "datePublicationDonnees"):
        if not CONSOLIDATION_DATE_PATTERN.match(str(marche.get(field, ""))):
            reasons.append(f"{field} {marche.get(field)!r} is not a plain date in 2010-2039")
    if _with_none_marker_mixed(_listed(marche, "considerationsSociales"), SocialConsideration.NONE):
        reasons.append("considerationsSociales mixes 'Pas de considération sociale' with another value")
    environmental = _listed(marche, "considerationsEnvironnementales")
    if _with_none_marker_mixed(environmental, EnvironmentalConsideration.NONE):
        reasons.append(
            "considerationsEnvironnementales mixes 'Pas de considération environnementale' with another value"
        )
    return reasons


def quality_flags(marche: dict[str, Any]) -> list[str]:
    """Problems MINEF or reusers flag without excluding the record (§7.2, §7.3)."""
    flags: list[str] = []
    if marche.get("attributionAvance") and marche.get("tauxAvance") == 0:
        flags.append("attributionAvance is true with tauxAvance 0 (rate unknown)")
    if requires_origin_shares(str(marche.get("codeCPV", ""))) and "origineUE" not in marche:
        flags.append(f"codeCPV {marche['codeCPV']} expects origineUE/origineFrance, which are missing")
    if marche.get("datePublicationDonnees", "") < marche.get("dateNotification", ""):
        flags.append("datePublicationDonnees precedes dateNotification")
    if marche.get("acheteur", {}).get("id") in KNOWN_TEST_BUYER_SIRETS:
        flags.append("acheteur.id is a known platform test buyer")
    for field in ("techniques", "modalitesExecution"):
        if _with_none_marker_mixed(_listed(marche, field), NOT_APPLICABLE):
            flags.append(f"{field} mixes 'Sans objet' with another value")
    holder_count = len(marche.get("titulaires", []))
    grouping = marche.get("typeGroupementOperateurs")
    if grouping == "Pas de groupement" and holder_count > 1:
        flags.append(f"{holder_count} titulaires but typeGroupementOperateurs is 'Pas de groupement'")
    if grouping in ("Conjoint", "Solidaire") and holder_count < 2:
        flags.append(f"typeGroupementOperateurs {grouping!r} with a single titulaire")
    return flags
