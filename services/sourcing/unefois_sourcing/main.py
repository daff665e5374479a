"""ASGI entry point: `uvicorn unefois_sourcing.main:app` (composition only).

Areas: needs/ (the need, its form, list, page and approval), research/ (market research of a
need), clauses/ (the clause library), suppliers/ (the SIRENE directory); reference/ holds the
CPV and COG lists the need is checked against."""

from unefois_events.catalogue import NeedApproved
from unefois_kernel.app import ServiceDefinition, create_service
from unefois_sourcing.clauses.api import router as clauses_api
from unefois_sourcing.needs.api import router as needs_api
from unefois_sourcing.needs.web import router as needs_pages
from unefois_sourcing.repositories import Repositories
from unefois_sourcing.research.api import router as research_api
from unefois_sourcing.research.web import router as research_pages
from unefois_sourcing.suppliers.api import router as suppliers_api
from unefois_sourcing.suppliers.web import router as supplier_pages

definition = ServiceDefinition(
    name="sourcing",
    package="unefois_sourcing",
    title="Sourcing (besoins)",
    # Pages after the APIs; within needs_pages, /besoins/nouveau is declared before /besoins/{need_id}.
    routers=[needs_api, clauses_api, research_api, suppliers_api, needs_pages, research_pages, supplier_pages],
    produces=[NeedApproved],
    repositories=Repositories.on,
)
app = create_service(definition)
