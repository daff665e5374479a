"""Jinja2 templates for the stage UIs: one environment per service, `render()` for routes.

A service's own `templates/` folder (in its package) comes first, then the kernel's
(`layout.html`, `forms.html`, `error.html`), so a stage page is simply

    {% extends "layout.html" %}
    {% block content %}...{% endblock %}

and a route answers with `return render(request, "home.html", {"title": "Accueil", ...})`.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from unefois_kernel.web.theme import Theme, deployment_theme

log = logging.getLogger("unefois.web")

SERVICE_URLS_ENV = "UNEFOIS_SERVICE_URLS"

# The five stage UIs, in pipeline order, with the label people see (the stage registry).
from unefois_kernel.stages import STAGES as _STAGES  # noqa: E402

STAGE_LABELS: dict[str, str] = {stage.name: stage.label for stage in _STAGES}

# Template globals shared by every environment, present and future. Other kernel modules add
# theirs with add_global() (e.g. `csrf_token(request)`); forms.html uses it when defined.
_GLOBALS: dict[str, Any] = {}
_ENVIRONMENTS: weakref.WeakSet[Environment] = weakref.WeakSet()


# The stage whose service mounts the in-app messages (unefois_kernel.notifications.router).
MESSAGES_STAGE = "tendering"


def add_global(name: str, value: Any) -> None:
    """Make `value` a template global in every service environment (e.g. add_global("csrf_token", fn))."""
    _GLOBALS[name] = value
    for environment in _ENVIRONMENTS:
        environment.globals[name] = value


@dataclass(frozen=True)
class NavItem:
    stage: str
    label: str
    url: str
    current: bool


def service_urls() -> dict[str, str]:
    """{stage: base url} from UNEFOIS_SERVICE_URLS (set by the local runtime and the k8s ConfigMap)."""
    raw = os.environ.get(SERVICE_URLS_ENV, "")
    if not raw:
        return {}
    try:
        urls = json.loads(raw)
    except ValueError:
        log.error("%s is not JSON (%r); the navigation shows this stage only", SERVICE_URLS_ENV, raw[:200])
        return {}
    return {str(stage): str(url).rstrip("/") for stage, url in urls.items()} if isinstance(urls, dict) else {}


class Web:
    """What install_web() stores on app.state.web."""

    def __init__(self, stage: str, package: str | None, urls: Mapping[str, str] | None = None,
                 theme: Theme | None = None) -> None:
        self.stage = stage
        # The operator's brand, checked once at start-up (a failing theme stops the service).
        self.theme = theme or deployment_theme()
        self.stage_label = STAGE_LABELS.get(stage, stage)
        loaders = []
        if package:
            try:
                loaders.append(PackageLoader(package, "templates"))
            except ValueError:  # the service has no templates/ folder (yet)
                pass
        loaders.append(PackageLoader("unefois_kernel.web", "templates"))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(_GLOBALS)
        self.env.filters["euros"] = format_euros
        self.env.filters["date_fr"] = format_date
        _ENVIRONMENTS.add(self.env)
        self.urls = dict(service_urls() if urls is None else urls)

    def nav(self) -> list[NavItem]:
        items = []
        for stage, label in STAGE_LABELS.items():
            if stage == self.stage:
                items.append(NavItem(stage, label, "/", True))
            elif stage in self.urls:
                items.append(NavItem(stage, label, self.urls[stage] + "/", False))
        return items

    def messages_url(self) -> str | None:
        """Where a signed-in person reads their in-app messages (unefois_kernel.notifications: the
        tendering stage sends them — receipts, answers, DCE changes, letters)."""
        if self.stage == MESSAGES_STAGE:
            return "/messages"
        return self.urls[MESSAGES_STAGE] + "/messages" if MESSAGES_STAGE in self.urls else None

    def context(self, request: Request, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "messages_url": self.messages_url(),
            "request": request,
            "principal": getattr(request.state, "principal", None),
            "stage": self.stage,
            "stage_label": self.stage_label,
            "theme": self.theme,
            "service_name": self.theme.short_name,
            "nav": self.nav(),
            **(context or {}),
        }


def web_of(request: Request) -> Web:
    web = getattr(request.app.state, "web", None)
    if web is None:
        raise RuntimeError("the web layer is not installed on this app (unefois_kernel.web.install_web)")
    return web


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200,
           headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """Render a template of this service (or the kernel's) with the layout's context.

    The context always holds `request`, `principal` (None when anonymous), `stage`,
    `stage_label`, `nav`; pass `title` for the page's part of <title> and its h1.
    """
    web = web_of(request)
    html = web.env.get_template(template).render(web.context(request, context))
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def format_euros(value: Any) -> str:
    """12345.5 -> '12 345,50 €' (French grouping with a narrow no-break space)."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"


def format_date(value: Any) -> str:
    """A date or datetime -> '28/11/2026' ('—' when absent)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return value.strftime("%d/%m/%Y")

