"""Write the pinned JSON schema of every event type (run on purpose, after a reviewed change).

    python -m unefois_events.pin shared/tests/contract/pinned
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from unefois_events.catalogue import CATALOGUE


def schema_of(ce_type: str) -> dict:
    return _normalised(CATALOGUE[ce_type].model_json_schema(mode="serialization"))


def _normalised(node):
    """The order of `required` names carries no meaning in JSON Schema: sort it, so that
    only real contract changes show up as a drift."""
    if isinstance(node, dict):
        return {
            key: sorted(value) if key == "required" and isinstance(value, list) else _normalised(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_normalised(item) for item in node]
    return node


def render(ce_type: str) -> str:
    return json.dumps(schema_of(ce_type), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def drifted(folder: Path) -> dict[str, str]:
    """{ce_type: why} for every event type whose pinned file is missing or differs from the
    live model's schema; the contract test asserts it empty."""
    problems = {}
    for ce_type in sorted(CATALOGUE):
        pinned = Path(folder) / f"{ce_type}.json"
        if not pinned.exists():
            problems[ce_type] = "no pinned schema: pin it on purpose"
        elif pinned.read_text(encoding="utf-8") != render(ce_type):
            problems[ce_type] = "drifted from its pinned schema"
    return problems


def main(folder: str) -> None:
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for ce_type in CATALOGUE:
        (target / f"{ce_type}.json").write_text(render(ce_type), encoding="utf-8")
        print(f"pinned {ce_type}")


if __name__ == "__main__":
    main(sys.argv[1])
