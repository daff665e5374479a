"""ASGI entry point: `uvicorn unefois_tendering.main:app`."""

from pathlib import Path

from fastapi.staticfiles import StaticFiles

from unefois_events import topics
from unefois_events.catalogue import AwardDecided, ConsultationPublished
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_kernel.notifications import router as messages_router
from unefois_tendering.awards.api import router as awards_api
from unefois_tendering.bids.api import router as bids_api
from unefois_tendering.consultations.api import router as consultations_api
from unefois_tendering.consultations.handlers import handlers as consultation_handlers
from unefois_tendering.consultations.web import router as consultations_web
from unefois_tendering.public.api import router as public_api
from unefois_tendering.public.web import router as public_web
from unefois_tendering.repositories import Repositories

definition = ServiceDefinition(
    name="tendering",
    package="unefois_tendering",
    title="Consultations",
    routers=[consultations_api, awards_api, bids_api, consultations_web, public_api, public_web, messages_router],
    consumers=[ConsumerSpec("tendering", (topics.NEED,), consultation_handlers, "Besoins approuvés -> consultations")],
    produces=[ConsultationPublished, AwardDecided],
    repositories=Repositories.on,
)
app = create_service(definition)
# The service's own scripts (the browser's bid sealing, bids/domain.py's format), same origin.
app.mount("/static/tendering", StaticFiles(directory=Path(__file__).parent / "static"), name="static-tendering")
