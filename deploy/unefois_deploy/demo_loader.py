"""Loads the demo data set once per runtime, if the project has one (unefois_deploy.demo)."""

from __future__ import annotations

import importlib
import importlib.util

from unefois_deploy.config import RuntimeProfile

DEMO_MODULE = "unefois_deploy.demo"


def _stamp(profile: RuntimeProfile):
    # Lives in the runtime dir, beside the databases it describes: wiping .runtime/
    # wipes both, and the next `up` loads the demo again.
    return profile.runtime_dir / "demo-loaded"


async def load_demo_once(profile: RuntimeProfile, service_urls: dict[str, str]) -> tuple[str, list]:
    """(what happened, the demo purchases by buyer), for the CLI to print."""
    if importlib.util.find_spec(DEMO_MODULE) is None:
        return "no demo module: skipped", []
    demo = importlib.import_module(DEMO_MODULE)
    if _stamp(profile).exists():
        return f"demo already loaded (remove {_stamp(profile)} to load it again)", demo.demo_buyers()
    load_demo = getattr(demo, "load_demo", None)
    if load_demo is None:
        return f"{DEMO_MODULE} has no load_demo(): skipped", []
    purchases = await load_demo(service_urls, issuer_url=profile.issuer_url)
    _stamp(profile).touch()
    return "demo loaded", purchases
