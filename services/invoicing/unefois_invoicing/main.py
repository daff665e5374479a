"""ASGI entry point: `uvicorn unefois_invoicing.main:app`."""

from unefois_events import topics
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_events.catalogue import InvoiceReceived
from unefois_invoicing.api import router
from unefois_invoicing.web import router as web_router
from unefois_invoicing.handlers import HANDLERS

definition = ServiceDefinition(
    name="invoicing",
    package="unefois_invoicing",
    title="Facturation",
    routers=[router, web_router],
    consumers=[ConsumerSpec("invoicing", (topics.CONTRACT,), HANDLERS, "Marchés notifiés -> engagements")],
    produces=[InvoiceReceived],
)
app = create_service(definition)
