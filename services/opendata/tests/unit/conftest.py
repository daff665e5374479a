"""Opendata's unit tests: fakes.py is loaded under a name of its own, `opendata_fakes`, because
pytest imports test helpers by their file name and another service's tests/unit/fakes.py may be
collected in the same session."""

from __future__ import annotations

from unefois_kernel.testing import load_beside

load_beside(__file__, name="opendata_fakes")
