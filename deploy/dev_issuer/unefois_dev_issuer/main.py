"""ASGI entry point: `uvicorn unefois_dev_issuer.main:app` (configured by UNEFOIS_DEV_ISSUER_*)."""

from unefois_dev_issuer.app import create_app

app = create_app()
