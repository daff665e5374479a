"""Valid payloads for tests and benchmarks (fictitious organisations with Luhn-valid SIRETs)."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType, SimpleNamespace

from pydantic import create_model

from unefois_events.catalogue import ContractNotified, Event, Organisation, PurchaseFacts
from unefois_events.values import Siret
from unefois_kernel.auth.principal import OrgKind, Principal, Role

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


# --- Unit tests of a service: fakes, people, in-process adapters ------------------------------


def load_beside(test_file: str, filename: str = "fakes.py", *, name: str) -> ModuleType:
    """The module `filename` next to `test_file` (a conftest's __file__), imported once as `name`.

    Every service keeps its in-memory repositories in tests/unit/fakes.py; with pytest's default
    import mode a plain `import fakes` would give the whole session the first one imported."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(test_file).with_name(filename))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def person(role: Role, org: Organisation = BUYER, *, name: str | None = None, subject: str | None = None) -> Principal:
    """A signed-in user of `org` with one role, as the token check would build it."""
    kind = OrgKind.SUPPLIER if role is Role.SUPPLIER else OrgKind.PLATFORM if role is Role.OPERATOR else OrgKind.BUYER
    default_name = {Role.BUYER: "Camille Martin", Role.BUYER_APPROVER: "Dominique Valide",
                    Role.SUPPLIER: "Jean Moreau", Role.OPERATOR: "Alex Exploitant"}[role]
    return Principal(subject=subject or f"u-{role.value}-{org.siret}", name=name or default_name,
                     roles=frozenset({role}), org_siret=org.siret, org_name=org.name, org_kind=kind)


class _AsPrincipal:
    """ASGI middleware standing in for the token check: every request is `principal`'s."""

    def __init__(self, app, principal: Principal | None) -> None:
        self.app, self.principal = app, principal

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and self.principal is not None:
            scope.setdefault("state", {})["principal"] = self.principal
        await self.app(scope, receive, send)


def adapter_client(routers, uows, *, stage: str, principal: Principal | None = None):
    """A TestClient over a service's thin adapters (api.py, web.py) with the kernel's problem
    handlers and pages, its use cases on `uows` (a FakeUnitsOfWork): the JSON shape, the
    refusals and the pages, in process, with no database or broker."""
    from fastapi import FastAPI  # noqa: PLC0415 - test-only dependencies of this helper
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from unefois_kernel.problems import install_problem_handlers  # noqa: PLC0415
    from unefois_kernel.web import install_web  # noqa: PLC0415

    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage=stage, package=f"unefois_{stage}")
    for router in routers:
        app.include_router(router)
    app.state.runtime = SimpleNamespace(uow=uows, clock=uows.clock)
    app.add_middleware(_AsPrincipal, principal=principal)
    return TestClient(app)
