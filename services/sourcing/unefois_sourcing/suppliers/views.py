"""Response model of the supplier directory API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pydantic import BaseModel, Field

from unefois_sourcing.suppliers.domain import Establishment


class SupplierView(BaseModel):
    siret: str
    siren: str
    name: str = Field(description="Dénomination, ou à défaut enseigne, de l'établissement")
    address_line: str | None = None
    address_complement: str | None = None
    postal_code: str | None = None
    city: str | None = None
    commune_code: str | None = Field(None, description="Code commune INSEE (COG)")
    country: str | None = Field(None, description="Pays, pour un établissement à l'étranger ; vide en France")
    size_category: str | None = Field(
        None, description="PME, ETI ou GE : catégorie INSEE de l'entreprise si connue, sinon approximation "
                          "d'après l'effectif de l'établissement (size_basis) ; indicative, pas une qualification légale")
    size_basis: str | None = None
    naf_code: str | None = None
    head_office: bool
    active: bool
    cpv_interests: list[str]
    source: str
    updated_at: datetime

    @classmethod
    def of(cls, establishment: Establishment) -> SupplierView:
        return cls(**asdict(establishment))


def directory_row(establishment: Establishment) -> list[str]:
    """One row of the directory page's table."""
    address = " ".join(part for part in (establishment.address_line, establishment.postal_code, establishment.city)
                       if part)
    return [
        establishment.name + ("" if establishment.active else " (fermé)"),
        establishment.siret,
        address or "—",
        establishment.size_category or "—",
        ", ".join(establishment.cpv_interests) or "—",
    ]
