"""A need checked against the reference data (pure): CPV 2008, COG 2026, lots."""

from __future__ import annotations

from unefois_events.catalogue import NeedContent
from unefois_events.values import PlaceCodeType
from unefois_sourcing.reference import commune, cpv_entry, departement, region


def reference_errors(content: NeedContent, prefix: str = "facts") -> list[dict[str, str]]:
    """Every problem with the need's codes, as {field, reason}, in French."""
    errors = []
    if cpv_entry(content.main_cpv) is None:
        errors.append({"field": f"{prefix}.main_cpv", "reason": f"code CPV inconnu de la nomenclature 2008 : {content.main_cpv}"})
    for index, code in enumerate(content.additional_cpvs):
        if cpv_entry(code) is None:
            errors.append({"field": f"{prefix}.additional_cpvs.{index}", "reason": f"code CPV inconnu : {code}"})
    place = content.place_of_execution
    lookups = {
        PlaceCodeType.COMMUNE: (commune, "commune inconnue du COG 2026"),
        PlaceCodeType.DEPARTEMENT: (departement, "département inconnu du COG 2026"),
        PlaceCodeType.REGION: (region, "région inconnue du COG 2026"),
    }
    if place.code_type in lookups:
        lookup, reason = lookups[place.code_type]
        if lookup(place.code) is None:
            errors.append({"field": f"{prefix}.place_of_execution.code", "reason": f"{reason} : {place.code}"})
    if content.lots and sum(lot.estimated_value for lot in content.lots) != content.estimated_value:
        errors.append({"field": f"{prefix}.lots", "reason": "la somme des estimations des lots diffère de la valeur estimée du besoin"})
    return errors
