"""ASGI entry point: `uvicorn unefois_opendata.main:app`."""

from unefois_events import topics
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_opendata.invoices import handlers as invoice_handlers
from unefois_opendata.records import api as records_api
from unefois_opendata.records import handlers as record_handlers
from unefois_opendata.records import web as records_web
from unefois_opendata.repositories import Repositories

definition = ServiceDefinition(
    name="opendata",
    package="unefois_opendata",
    title="Données ouvertes (DECP)",
    routers=[records_api.router, records_web.router],
    consumers=[
        ConsumerSpec("opendata", (topics.CONTRACT,), record_handlers.handlers, "Marchés notifiés -> DECP"),
        ConsumerSpec("opendata-invoices", (topics.INVOICE,), invoice_handlers.handlers, "Factures -> tableaux de bord"),
    ],
    repositories=Repositories.on,
)
app = create_service(definition)
