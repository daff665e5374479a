import os

import pytest


@pytest.fixture(autouse=True)
def without_unefois_overrides(monkeypatch):
    """The deploy unit tests check defaults: overrides exported in the caller's shell must not leak in."""
    for name in list(os.environ):
        if name.startswith("UNEFOIS_") and name not in ("UNEFOIS_REPO_ROOT", "UNEFOIS_KAFKA_LIBS"):
            monkeypatch.delenv(name)
