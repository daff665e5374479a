"""Contract tests: the JSON schema of every event type is pinned.

A change to a payload model fails here until the pinned file is regenerated on purpose
(`python -m unefois_kernel.events.pin shared/tests/contract/pinned`) and reviewed: an
additive change keeps the version, a breaking one needs a new `...v2` type.
"""

import json
from pathlib import Path

import pytest

from unefois_kernel.events.catalogue import CATALOGUE
from unefois_kernel.events.pin import render

PINNED = Path(__file__).parent / "pinned"


@pytest.mark.parametrize("ce_type", sorted(CATALOGUE))
def test_schema_matches_the_pinned_file(ce_type):
    pinned = PINNED / f"{ce_type}.json"
    assert pinned.exists(), f"no pinned schema for {ce_type}: pin it on purpose"
    assert render(ce_type) == pinned.read_text(encoding="utf-8"), f"{ce_type} drifted from its pinned schema"


def test_every_pinned_file_names_a_live_event_type():
    stale = {path.stem for path in PINNED.glob("*.json")} - set(CATALOGUE)
    assert not stale, f"pinned schemas of retired event types: {stale}"


@pytest.mark.parametrize("ce_type", sorted(CATALOGUE))
def test_type_names_are_versioned_and_namespaced(ce_type):
    model = CATALOGUE[ce_type]
    service = model.topic.split(".")[0]
    assert ce_type.startswith(f"fr.unefois.{service}.")
    assert ce_type.rsplit(".", 1)[1].startswith("v")


def test_a_field_removed_from_a_pinned_schema_is_detected(tmp_path):
    # The check compares the whole document: dropping one property makes it differ.
    ce_type = "fr.unefois.contracts.ContractNotified.v1"
    document = json.loads(render(ce_type))
    del document["properties"]["amount"]
    assert json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n" != render(ce_type)
