"""Valid payloads for tests and benchmarks (fictitious organisations with Luhn-valid SIRETs)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from unefois_kernel.events.catalogue import ContractNotified, Organisation, PurchaseFacts

BUYER = Organisation(siret="21000003000010", name="Commune de Démoville")
OTHER_BUYER = Organisation(siret="20000001600010", name="Région Démo-Alpes")
SUPPLIER = Organisation(siret="80000004400019", name="Travaux Publics Rhodaniens SAS")


def purchase(buyer: Organisation = BUYER, **changes) -> PurchaseFacts:
    fields = dict(
        need_id=uuid.uuid4(),
        buyer=buyer,
        object="Réfection de la voirie communale",
        nature="works",
        main_cpv="45233140",
        estimated_value=Decimal("120000.00"),
        duration_months=6,
        place_of_execution={"code": "01004", "code_type": "Code commune"},
        procedure="Procédure adaptée",
        ccag="Travaux",
        techniques=["Sans objet"],
        execution_modes=["Sans objet"],
        social_considerations=["Pas de considération sociale"],
        environmental_considerations=["Clause environnementale"],
    )
    fields.update(changes)
    return PurchaseFacts(**fields)


def contract_notified(buyer: Organisation = BUYER, *, number: str = "2026000001", **changes) -> ContractNotified:
    fields = dict(
        contract_id=uuid.uuid4(),
        contract_number=number,
        award_id=uuid.uuid4(),
        consultation_id=uuid.uuid4(),
        purchase=purchase(buyer),
        holders=[SUPPLIER],
        grouping="Pas de groupement",
        amount=Decimal("98765.43"),
        price_form="Forfaitaire",
        price_types=["Définitif ferme"],
        offers_received=3,
        legal_commitment_number="EJ2026000001",
        notified_on=date(2026, 11, 2),
        notified_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    )
    fields.update(changes)
    return ContractNotified(**fields)
