"""Valid payloads for tests and benchmarks (fictitious organisations with Luhn-valid SIRETs)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import create_model

from unefois_events.catalogue import ContractNotified, Event, Organisation, PurchaseFacts
from unefois_events.values import Siret

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


class ProbeEvent(Event):
    """A small event for tests and benchmarks: key, sequence number, tenant, optional padding."""

    probe_key: str
    seq: int
    buyer_siret: Siret
    note: str = ""

    @property
    def subject(self) -> str:
        return self.probe_key

    @property
    def tenant(self) -> str:
        return self.buyer_siret


def event_type_on(base: type[Event], topic: str, *, namespace: str = "probe") -> type[Event]:
    """`base`'s payload model under a fresh CloudEvents type published on `topic` (register it
    in CATALOGUE for parse_record to accept it)."""
    model = create_model(f"{base.__name__}{uuid.uuid4().hex[:6]}", __base__=base)
    model.ce_type = f"fr.unefois.{namespace}.{model.__name__}.v1"
    model.topic = topic
    return model
