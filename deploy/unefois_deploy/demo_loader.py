"""Loads the demo data set once per runtime, if the project has one (unefois_deploy.demo)."""

from __future__ import annotations

import importlib
import importlib.util
from datetime import UTC, datetime, timedelta

from unefois_deploy.config import RuntimeProfile

DEMO_MODULE = "unefois_deploy.demo"
# Where the development clock is set before the demo's purchases: far enough back for each
# purchase's bid deadline (and a formal procedure's standstill) to pass before the real time.
DEMO_CLOCK_BACK = timedelta(days=75)


def _stamp(profile: RuntimeProfile):
    # Lives in the runtime dir, beside the databases it describes: wiping .runtime/
    # wipes both, and the next `up` loads the demo again.
    return profile.runtime_dir / "demo-loaded"


async def load_demo_once(profile: RuntimeProfile, service_urls: dict[str, str]) -> tuple[str, list]:
    """(what happened, the demo purchases by buyer), for the CLI to print."""
    if importlib.util.find_spec(DEMO_MODULE) is None:
        return "no demo module: skipped", []
    demo = importlib.import_module(DEMO_MODULE)
    directory = await _seed_suppliers(profile, demo)
    if _stamp(profile).exists():
        return f"demo already loaded (remove {_stamp(profile)} to load it again); {directory}", demo.demo_buyers()
    load_demo = getattr(demo, "load_demo", None)
    if load_demo is None:
        return f"{DEMO_MODULE} has no load_demo(): skipped", []
    from unefois_deploy import clock

    began = clock.set_to(profile, datetime.now(UTC) - DEMO_CLOCK_BACK)
    try:
        purchases = await load_demo(service_urls, issuer_url=profile.issuer_url,
                                    advance=lambda delta: clock.advance(profile, delta))
        ended = clock.now(profile)
    finally:
        clock.to_real_time(profile)
    load_open = getattr(demo, "load_open_consultations", None)
    open_pages = await load_open(service_urls, issuer_url=profile.issuer_url) if load_open else []
    _stamp(profile).touch()
    return (f"demo loaded: {len(purchases)} purchases awarded from sealed bids (deposited, opened after the "
            f"deadline, evaluated, decided), contracts notified; the platform clock was set back to "
            f"{began.astimezone(clock.PLATFORM_TZ):%d/%m/%Y}, moved past each deadline (to "
            f"{ended.astimezone(clock.PLATFORM_TZ):%d/%m/%Y}), then put back on the real time; "
            f"consultations open for bids ({len(open_pages)}): {', '.join(open_pages) or 'none'}; {directory}"), purchases


async def _seed_suppliers(profile: RuntimeProfile, demo) -> str:
    """The demo suppliers into the supplier directory at every `up` (an upsert), stamp or not: a
    runtime whose demo was loaded before the directory was seeded gets them too."""
    seed = getattr(demo, "seed_supplier_directory", None)
    if seed is None:
        return "no supplier directory seeding"
    from unefois_deploy.runtime import Runtime

    try:
        return await seed(Runtime(profile).databases.service_dsn("sourcing"))
    except Exception as exc:  # noqa: BLE001 - reported; the rest of the demo does not depend on it
        return f"supplier directory not seeded ({type(exc).__name__}: {exc})"
