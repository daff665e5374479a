"""ASGI entry point: `uvicorn unefois_contracts.main:app`."""

from unefois_events import topics
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_events.catalogue import ContractNotified
from unefois_contracts.api import router
from unefois_contracts.web import router as web_router
from unefois_contracts.handlers import HANDLERS

definition = ServiceDefinition(
    name="contracts",
    package="unefois_contracts",
    title="Marchés",
    routers=[router, web_router],
    consumers=[ConsumerSpec("contracts", (topics.AWARD,), HANDLERS, "Attributions -> marchés à notifier")],
    produces=[ContractNotified],
)
app = create_service(definition)
