"""ASGI entry point: `uvicorn unefois_opendata.main:app`."""

from unefois_events import topics
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_opendata.api import router
from unefois_opendata.web import router as web_router
from unefois_opendata.handlers import INVOICE_HANDLERS, contract_handlers

definition = ServiceDefinition(
    name="opendata",
    package="unefois_opendata",
    title="Données ouvertes (DECP)",
    routers=[router, web_router],
    consumers=[
        ConsumerSpec("opendata", (topics.CONTRACT,), contract_handlers, "Marchés notifiés -> DECP"),
        ConsumerSpec("opendata-invoices", (topics.INVOICE,), INVOICE_HANDLERS, "Factures -> tableaux de bord"),
    ],
)
app = create_service(definition)
