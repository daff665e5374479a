"""Use cases of the supplier directory: search it, read one establishment (public SIRENE data,
the same for every buyer)."""

from __future__ import annotations

from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_sourcing.repositories import Repositories
from unefois_sourcing.suppliers import domain
from unefois_sourcing.suppliers.domain import Establishment, SupplierSearch


async def search(uow: UnitOfWork[Repositories], criteria: SupplierSearch) -> list[Establishment]:
    """The establishments matching `criteria`; a criterion that can match nothing is refused (422, its field),
    and so is a search with no criterion at all (the directory is searched, never listed whole).
    A SIRET typed with spaces ("123 456 789 00012") is read as its 14 digits."""
    siret = domain.normalise_siret(criteria.siret) if criteria.siret else None
    errors = domain.criteria_errors(siret=siret, cpv=criteria.cpv, commune=criteria.commune, name=criteria.name,
                                    require_one=True)
    if errors:
        raise DomainError(errors[0]["reason"], field=errors[0]["field"])
    async with uow:
        return await uow.repos.suppliers.search(
            name=criteria.name, siret=siret, cpv=criteria.cpv, commune=criteria.commune,
            include_closed=criteria.include_closed, limit=criteria.limit, offset=criteria.offset,
        )


async def get(uow: UnitOfWork[Repositories], siret: str) -> Establishment:
    siret = domain.normalise_siret(siret)
    if not domain.is_valid_siret(siret):
        raise DomainError("SIRET invalide : 14 chiffres attendus, clé de contrôle (Luhn) incorrecte", field="siret")
    async with uow:
        found = await uow.repos.suppliers.get(siret)
    if found is None:
        raise NotFound("aucun établissement de l'annuaire n'a ce SIRET", field="siret")
    return found
