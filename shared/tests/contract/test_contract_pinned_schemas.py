"""Contract tests: the JSON schema of every event type is pinned.

A change to a payload model fails here until the pinned file is regenerated on purpose
(`python -m unefois_events.pin shared/tests/contract/pinned`) and reviewed: an
additive change keeps the version, a breaking one needs a new `...v2` type.
"""

import json
import shutil
from pathlib import Path

import pytest

from unefois_events.catalogue import CATALOGUE
from unefois_events.pin import drifted, render

PINNED = Path(__file__).parent / "pinned"


def test_every_schema_matches_its_pinned_file():
    assert drifted(PINNED) == {}


def test_every_pinned_file_names_a_live_event_type():
    stale = {path.stem for path in PINNED.glob("*.json")} - set(CATALOGUE)
    assert not stale, f"pinned schemas of retired event types: {stale}"


@pytest.mark.parametrize("ce_type", sorted(CATALOGUE))
def test_type_names_are_versioned_and_namespaced(ce_type):
    model = CATALOGUE[ce_type]
    service = model.topic.split(".")[0]
    assert ce_type.startswith(f"fr.unefois.{service}.")
    assert ce_type.rsplit(".", 1)[1].startswith("v")


def test_a_drifted_or_missing_pinned_schema_is_detected(tmp_path):
    # The same check on a copy of the pinned files in which one schema lost a property and
    # another is gone: both are named.
    shutil.copytree(PINNED, tmp_path, dirs_exist_ok=True)
    changed, removed = "fr.unefois.contracts.ContractNotified.v1", "fr.unefois.sourcing.NeedApproved.v1"
    document = json.loads((tmp_path / f"{changed}.json").read_text(encoding="utf-8"))
    del document["properties"]["amount"]
    (tmp_path / f"{changed}.json").write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                              encoding="utf-8")
    (tmp_path / f"{removed}.json").unlink()
    assert drifted(tmp_path) == {changed: "drifted from its pinned schema", removed: "no pinned schema: pin it on purpose"}
