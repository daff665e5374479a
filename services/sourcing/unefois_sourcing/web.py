"""The sourcing stage's pages: the areas' page routes, in the order their paths must match
(composition only; each area's web.py holds its pages). main.py serves this router, and the
browser tests find the stage's pages here (tests/browser/browser_harness.py, stage_routes)."""

from __future__ import annotations

from fastapi import APIRouter

from unefois_sourcing.needs.web import router as needs_pages
from unefois_sourcing.suppliers.web import router as supplier_pages

router = APIRouter(tags=["interface"], include_in_schema=False)
# Copied, not include_router'd: the app's access check and OpenAPI see the areas' own APIRoutes.
router.routes.extend(needs_pages.routes)
router.routes.extend(supplier_pages.routes)
