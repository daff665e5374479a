"""The pure part of the benchmark report (benchmarks/verdict.py): no runtime, no timing assertion."""

from benchmarks import verdict
from benchmarks.verdict import DEGRADED, MET, NOT_MEASURED, NOT_MET, TARGETS


def _target(metric):
    return next(t for t in TARGETS if t.metric == metric)


def test_median_and_spread_skip_failed_repetitions():
    assert verdict.summary([3.0, None, 1.0, 2.0]) == {"values": [3.0, None, 1.0, 2.0], "median": 2.0, "min": 1.0, "max": 3.0}
    assert verdict.summary([None])["median"] is None


def test_throughput_target_met_not_met_and_degraded_baseline():
    inbox = _target("inbox.events")
    assert verdict.judge(inbox, 6_000, 40_000) == MET
    assert verdict.judge(inbox, 1_500, 40_000) == NOT_MET
    assert verdict.judge(inbox, 1_500, verdict.RAW_CONSUME_FLOOR - 1) == DEGRADED
    assert verdict.judge(inbox, 1_500, None) == DEGRADED
    assert verdict.judge(inbox, None, 40_000) == NOT_MEASURED


def test_latency_target_with_ceiling_bound():
    hop = _target("hops.sourcing_tendering_p99")
    assert verdict.judge(hop, 49.9, 8) == MET
    assert verdict.judge(hop, 50, 8) == NOT_MET
    assert verdict.judge(hop, 40, verdict.RAW_P99_CEILING_MS) == MET  # the bound itself is still fit
    assert verdict.judge(hop, 40, verdict.RAW_P99_CEILING_MS + 0.1) == DEGRADED
    assert "<= 20 ms" in hop.bound


def test_target_without_baseline_is_judged_directly():
    cpv = _target("cpv.warm_p95")
    assert verdict.judge(cpv, 5, None) == MET
    assert cpv.bound.startswith("none")


def test_every_target_names_known_metrics():
    for target in TARGETS:
        assert target.metric in verdict.METRICS
        assert target.baseline is None or target.baseline in verdict.METRICS


def test_json_round_trip_and_compare(tmp_path):
    reps = [{"inbox.events": 1000.0, "inbox.raw_getmany_commit": 40_000.0, "hops.raw_p99": 10.0},
            {"inbox.events": 2000.0, "inbox.raw_getmany_commit": 42_000.0, "hops.raw_p99": 30.0},
            {"inbox.events": 3000.0, "inbox.raw_getmany_commit": 44_000.0, "hops.raw_p99": 5.0}]
    doc = verdict.document(verdict.collect(reps), repeat=3, load_before=[1.0, 1.0, 1.0])
    path = verdict.write(tmp_path, doc, "20261202T000000Z")
    assert verdict.read(path) == doc
    assert verdict.read(tmp_path / "latest.json") == doc
    assert doc["metrics"]["inbox.events"]["median"] == 2000.0
    by_target = {v["metric"]: v["verdict"] for v in doc["verdicts"]}
    assert by_target["inbox.events"] == NOT_MET
    assert by_target["http.approve_p99"] == NOT_MEASURED
    later = verdict.document(verdict.collect([{"inbox.events": 4000.0, "hops.raw_p99": 5.0}]))
    rows = {r["metric"]: r for r in verdict.compare(later, doc)}
    assert rows["inbox.events"]["ratio"] == 2.0 and rows["inbox.events"]["better"] is True
    assert rows["hops.raw_p99"]["ratio"] == 0.5 and rows["hops.raw_p99"]["better"] is True
    assert "inbox.raw_getmany_commit" not in rows


def test_read_refuses_another_schema(tmp_path):
    import json

    import pytest

    (tmp_path / "x.json").write_text(json.dumps({"schema": 99}))
    with pytest.raises(ValueError):
        verdict.read(tmp_path / "x.json")
