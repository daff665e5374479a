"""ASGI entry point: `uvicorn unefois_tendering.main:app`."""

from unefois_events import topics
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_events.catalogue import AwardDecided, ConsultationPublished
from unefois_tendering.api import router
from unefois_tendering.web import router as web_router
from unefois_tendering.handlers import handlers

definition = ServiceDefinition(
    name="tendering",
    package="unefois_tendering",
    title="Consultations",
    routers=[router, web_router],
    consumers=[ConsumerSpec("tendering", (topics.NEED,), handlers, "Besoins approuvés -> consultations")],
    produces=[ConsultationPublished, AwardDecided],
)
app = create_service(definition)
