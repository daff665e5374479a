"""Opendata's unit tests: fakes.py is loaded under a name of its own, `opendata_fakes`, because
pytest imports test helpers by their file name and another service's tests/unit/fakes.py may be
collected in the same session."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("opendata_fakes", Path(__file__).with_name("fakes.py"))
_fakes = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _fakes
_spec.loader.exec_module(_fakes)
