"""ASGI entry point: `uvicorn unefois_invoicing.main:app`."""

from unefois_events import topics
from unefois_events.catalogue import InvoiceReceived
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service

from unefois_invoicing.commitments import api as commitments_api
from unefois_invoicing.commitments import web as commitments_web
from unefois_invoicing.commitments.handlers import handlers
from unefois_invoicing.invoices import api as invoices_api
from unefois_invoicing.repositories import Repositories

definition = ServiceDefinition(
    name="invoicing",
    package="unefois_invoicing",
    title="Facturation",
    routers=[commitments_api.router, invoices_api.router, commitments_web.router],
    consumers=[ConsumerSpec("invoicing", (topics.CONTRACT,), handlers, "Marchés notifiés -> engagements")],
    produces=[InvoiceReceived],
    repositories=Repositories.on,
)
app = create_service(definition)
