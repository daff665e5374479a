"""ASGI entry point: `uvicorn unefois_contracts.main:app`."""

from unefois_events import topics
from unefois_events.catalogue import ContractNotified
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_contracts.contracts import api as contracts_api
from unefois_contracts.contracts import handlers as contracts_handlers
from unefois_contracts.contracts import web as contracts_web
from unefois_contracts.repositories import Repositories

definition = ServiceDefinition(
    name="contracts",
    package="unefois_contracts",
    title="Marchés",
    routers=[contracts_api.router, contracts_web.router],
    consumers=[ConsumerSpec("contracts", (topics.AWARD,), contracts_handlers.handlers, "Attributions -> marchés à notifier")],
    produces=[ContractNotified],
    repositories=Repositories.on,
)
app = create_service(definition)
