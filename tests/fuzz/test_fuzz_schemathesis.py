"""schemathesis against every service of the running test platform, anonymous and with a token
per role, all checks: no 5xx, every response conforms to the service's OpenAPI document.

Why the running platform rather than the app in process: the checks are about what a client
really gets (the kernel's middlewares, the problem handlers, the database's refusals, the
same processes the other end-to-end tests use), and an in-process copy of a service would
join its Kafka consumer groups and relay its outbox beside the real one. Determinism comes
from a fixed seed and schemathesis' deterministic generation; the time from a small number
of examples per operation and a time budget per run (`--max-time`).

`make fuzz` runs the same with a larger budget (UNEFOIS_FUZZ_EXAMPLES, UNEFOIS_FUZZ_MAX_TIME per
run; UNEFOIS_FUZZ_SEED to draw other requests than the deterministic ones). The test profile's
rate limits are raised (unefois_deploy.config), so the runs do not throttle the other tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from unefois_kernel.stages import STAGE_NAMES

pytestmark = pytest.mark.integration

# One seeded user per role, of organisations no other test asserts on the contents of.
ROLE_LOGINS = {
    "buyer": "acheteur@val-demo.fr",
    "buyer-approver": "valideur@val-demo.fr",
    "supplier": "contact@espaces-verts-scop.fr",
    "operator": "exploitation@unefois.fr",
}
CALLERS = ("anonymous", *ROLE_LOGINS)
EXAMPLES = int(os.environ.get("UNEFOIS_FUZZ_EXAMPLES", "5"))
MAX_TIME_S = int(os.environ.get("UNEFOIS_FUZZ_MAX_TIME", "3"))
# Runs at once: schemathesis generates requests while the services answer another run.
WORKERS = int(os.environ.get("UNEFOIS_FUZZ_WORKERS", "3"))
# Deterministic generation by default (the same requests every run); a seed draws new ones.
SEED = os.environ.get("UNEFOIS_FUZZ_SEED")
# Positive data that breaks a rule JSON Schema cannot state (a SIRET's Luhn key, a CPV or
# commune code absent from the reference lists) is rightly refused with 422: the default
# expected statuses of positive_data_acceptance plus 422. Every check stays enabled.
POSITIVE_STATUSES = "2xx,3xx,401,403,404,409,422,429"


def schemathesis_command(url: str, document: Path, token: str | None, report: Path) -> list[str]:
    st = Path(sys.executable).with_name("st")
    command = [
        str(st), "run", str(document), "--url", url,
        "--checks", "all",
        "--max-examples", str(EXAMPLES),
        "--max-time", str(MAX_TIME_S),
        *(["--seed", SEED, "--generation-database", "none"] if SEED else ["--generation-deterministic"]),
        "--max-redirects", "0",
        "--request-timeout", "10",
        "--no-color",
        "--warnings", "off",
        "--report", "junit", "--report-junit-path", str(report),
    ]
    if token is not None:
        command += ["--header", f"Authorization: Bearer {token}"]
    return command


def run_schemathesis(url: str, document: Path, token: str | None, report: Path) -> subprocess.CompletedProcess:
    """`st run` on the service's document (fetched once), against the service at `url`."""
    # The config file of the positive-data check's expected statuses (the CLI has no flag for it).
    config = report.with_suffix(".toml")
    config.write_text(
        "[checks.positive_data_acceptance]\n"
        f"expected-statuses = {POSITIVE_STATUSES.split(',')!r}\n".replace("'", '"')
    )
    command = schemathesis_command(url, document, token, report)
    command[1:1] = ["--config-file", str(config)]
    # In the run's temporary folder: schemathesis keeps its crash cache in ./.schemathesis.
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=MAX_TIME_S * 6 + 60,
                          cwd=report.parent)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def runs(platform, tokens, tmp_path_factory) -> AsyncIterator[dict[tuple[str, str], Future]]:
    """The 25 runs, started at once on a few workers (each test waits for its own): the
    services answer one run while another generates its requests."""
    folder = tmp_path_factory.mktemp("schemathesis")
    documents = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for stage in STAGE_NAMES:
            # Each service's document as it serves it, fetched once for its five runs.
            answer = await http.get(f"{platform.url(stage)}/openapi.json")
            answer.raise_for_status()
            documents[stage] = folder / f"{stage}.json"
            documents[stage].write_text(answer.text)
    bearer = {caller: await tokens.for_user(login) for caller, login in ROLE_LOGINS.items()}
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="schemathesis")
    futures = {
        (stage, caller): pool.submit(run_schemathesis, platform.url(stage), documents[stage], bearer.get(caller),
                                     folder / f"{stage}-{caller}.xml")
        for stage in STAGE_NAMES for caller in CALLERS
    }
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_schemathesis_all_checks(stage: str, caller: str, runs):
    result = runs[(stage, caller)].result(timeout=MAX_TIME_S * 6 + 120)
    assert result.returncode == 0, (
        f"schemathesis on {stage} as {caller} found failures:\n{result.stdout[-12000:]}\n{result.stderr[-2000:]}"
    )
