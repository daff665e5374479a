"""ASGI entry point: `uvicorn unefois_sourcing.main:app`."""

from unefois_kernel.app import ServiceDefinition, create_service
from unefois_events.catalogue import NeedApproved
from unefois_sourcing.api import router
from unefois_sourcing.clauses.api import router as clauses_router
from unefois_sourcing.research.api import router as research_router
from unefois_sourcing.suppliers.api import router as suppliers_router
from unefois_sourcing.web import router as web_router

definition = ServiceDefinition(
    name="sourcing",
    package="unefois_sourcing",
    title="Sourcing (besoins)",
    routers=[router, clauses_router, research_router, suppliers_router, web_router],
    produces=[NeedApproved],
)
app = create_service(definition)
