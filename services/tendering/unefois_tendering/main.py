"""ASGI entry point: `uvicorn unefois_tendering.main:app`."""

from functools import partial
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from unefois_events import topics
from unefois_events.catalogue import AwardDecided, AwardDecidedV2, ConsultationPublished
from unefois_kernel.app import ConsumerSpec, ServiceDefinition, create_service
from unefois_kernel.notifications import router as messages_router
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.storage.settings import (
    DocumentStorageSettings,
    start_document_sweeper,
    storage_from_settings,
)

from unefois_tendering.bids.api import deposits_router as deposits_api
from unefois_tendering.bids.api import router as bids_api
from unefois_tendering.bids.web import router as deposits_web
from unefois_tendering.consultations.api import router as consultations_api
from unefois_tendering.consultations.handlers import handlers as consultation_handlers
from unefois_tendering.consultations.web import router as consultations_web
from unefois_tendering.documents.api import public_router as documents_public_api
from unefois_tendering.documents.api import router as documents_api
from unefois_tendering.documents.web import router as documents_web
from unefois_tendering.evaluations.api import router as evaluations_api
from unefois_tendering.evaluations.api import (
    supplier_router as evaluations_supplier_api,
)
from unefois_tendering.evaluations.service import handlers as evaluation_due_handlers
from unefois_tendering.evaluations.web import router as evaluations_web
from unefois_tendering.opening.api import router as opening_api
from unefois_tendering.opening.service import due_handlers as opening_due_handlers
from unefois_tendering.opening.web import router as opening_web
from unefois_tendering.public.api import router as public_api
from unefois_tendering.public.web import router as public_web
from unefois_tendering.questions.api import public_router as questions_public_api
from unefois_tendering.questions.api import router as questions_api
from unefois_tendering.questions.web import router as questions_web
from unefois_tendering.repositories import Repositories


class TenderingSettings(ServiceSettings, DocumentStorageSettings):
    """UNEFOIS_TENDERING_*: the kernel's, plus the document storage (DOCUMENT_STORAGE, DOCUMENT_ROOT)."""


async def bind_documents(runtime) -> None:
    """The document store (DCE files) on the service's settings and clock, given to every unit of work."""
    storage = storage_from_settings(runtime.settings, runtime.clock)
    runtime.uow.repositories = partial(Repositories.on, storage=storage)
    start_document_sweeper(runtime, storage)  # the filesystem adapter's orphaned files


definition = ServiceDefinition(
    name="tendering",
    package="unefois_tendering",
    title="Consultations",
    routers=[evaluations_web, evaluations_supplier_api,  # before /mes-depots/{deposit_id}
             consultations_api, bids_api, deposits_api, deposits_web, consultations_web, public_api,
             public_web, messages_router,
             documents_api, documents_public_api, documents_web, questions_api, questions_public_api, questions_web,
             opening_api, opening_web,
             evaluations_api],
    consumers=[ConsumerSpec("tendering", (topics.NEED,), consultation_handlers, "Besoins approuvés -> consultations")],
    produces=[ConsultationPublished, AwardDecidedV2, AwardDecided],
    repositories=Repositories.on,
    settings=TenderingSettings,
    on_startup=[bind_documents],
    due_handlers=opening_due_handlers | evaluation_due_handlers(),
)
app = create_service(definition)
# The service's own scripts (the browser's bid sealing, bids/domain.py's format), same origin.
app.mount("/static/tendering", StaticFiles(directory=Path(__file__).parent / "static"), name="static-tendering")
