"""The pure part of the report: issue 12's targets, their baseline bounds, median and spread, the JSON file, --compare.

A target is judged on the median of the repetitions. It is marked « not judged: baseline degraded » when
the median of its raw baseline (measured in the same repetitions) is worse than the bound stated here:
a machine too busy to run the raw client at its usual speed says nothing about the kernel.

JSON schema (benchmarks/results/<UTC timestamp>.json and latest.json), version 1:
{
  "schema": 1, "started_at": "...Z", "ended_at": "...Z", "repeat": 3,
  "load_before": [1m, 5m, 15m], "load_after": [1m, 5m, 15m], "cpus": 2, "arguments": {...},
  "metrics": {"<metric>": {"unit": "events/s"|"msg/s"|"ms"|"x", "higher_is_better": bool,
                            "values": [one per repetition, null when it failed], "median": x, "min": x, "max": x}},
  "verdicts": [{"target": "...", "metric": "...", "threshold": x, "baseline": "<metric>"|null,
                "bound": "...", "value": x|null, "baseline_value": x|null, "verdict": "met"|"not met"|
                "not judged: baseline degraded"|"not measured"}]
}
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

SCHEMA = 1
MET, NOT_MET, DEGRADED, NOT_MEASURED = "met", "not met", "not judged: baseline degraded", "not measured"

# metric name -> (unit, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "relay.raw_send": ("msg/s", True),
    "relay.insert_ack": ("msg/s", True),
    "relay.insert_ack_ratio": ("x", True),
    "relay.drain": ("msg/s", True),
    "relay.drain_ratio": ("x", True),
    "relay.insert_ack_in_process_ratio": ("x", True),
    "relay.raw_send_batch": ("msg/s", True),
    "relay.writers": ("msg/s", True),
    "relay.tail_after_writes_ms": ("ms", False),
    "relay.insert_ack_vs_send_batch_ratio": ("x", True),
    "inbox.raw_getmany_commit": ("events/s", True),
    "inbox.events": ("events/s", True),
    "inbox.ratio": ("x", True),
    "inbox.per_event": ("events/s", True),
    "hops.raw_p99": ("ms", False),
    "hops.sourcing_tendering_p99": ("ms", False),
    "hops.contracts_invoicing_p99": ("ms", False),
    "hops.contracts_opendata_p99": ("ms", False),
    "hops.sourcing_relay_pickup_p99": ("ms", False),
    "hops.contracts_relay_pickup_p99": ("ms", False),
    "http.healthz_p50": ("ms", False),
    "http.healthz_p99": ("ms", False),
    "http.approve_p50": ("ms", False),
    "http.approve_p99": ("ms", False),
    "search.worst_p95": ("ms", False),
    "cpv.warm_p95": ("ms", False),
}

# Baseline bounds: beyond them the machine, not the kernel, is what the figure measures.
RAW_SEND_FLOOR = 20_000.0  # msg/s, raw aiokafka send (45,417 in issue 12's run)
RAW_CONSUME_FLOOR = 20_000.0  # events/s, raw getmany+commit (46,291 in issue 12's run)
RAW_P99_CEILING_MS = 20.0  # raw produce->consume p99 (8 ms in issue 12's run)
HEALTHZ_P99_CEILING_MS = 20.0  # GET /healthz p99 on sourcing at the same pace


@dataclass(frozen=True)
class Target:
    name: str
    metric: str
    threshold: float
    at_least: bool  # True: value >= threshold; False: value < threshold
    baseline: str | None = None
    baseline_limit: float | None = None  # floor (higher-is-better baseline) or ceiling (latency baseline)

    @property
    def bound(self) -> str:
        if self.baseline is None:
            return "none (no raw baseline)"
        unit, higher = METRICS[self.baseline]
        return f"{self.baseline} {'>=' if higher else '<='} {self.baseline_limit:,.0f} {unit}"

    @property
    def rule(self) -> str:
        unit = METRICS[self.metric][0]
        return f"{'>=' if self.at_least else '<'} {self.threshold:,g} {unit}"


TARGETS: tuple[Target, ...] = (
    Target("inbox >= 5,000 events/s", "inbox.events", 5_000, True, "inbox.raw_getmany_commit", RAW_CONSUME_FLOOR),
    Target("relay insert->ack >= 0.5x raw", "relay.insert_ack_ratio", 0.5, True, "relay.raw_send", RAW_SEND_FLOOR),
    Target("relay pickup p99 < 10 ms under HTTP load", "hops.sourcing_relay_pickup_p99", 10, False,
           "hops.raw_p99", RAW_P99_CEILING_MS),
    Target("hop sourcing->tendering p99 < 50 ms", "hops.sourcing_tendering_p99", 50, False,
           "hops.raw_p99", RAW_P99_CEILING_MS),
    Target("hop contracts->invoicing p99 < 50 ms", "hops.contracts_invoicing_p99", 50, False,
           "hops.raw_p99", RAW_P99_CEILING_MS),
    Target("hop contracts->opendata p99 < 50 ms", "hops.contracts_opendata_p99", 50, False,
           "hops.raw_p99", RAW_P99_CEILING_MS),
    Target("approval p99 < 100 ms at 100 req/s", "http.approve_p99", 100, False,
           "http.healthz_p99", HEALTHZ_P99_CEILING_MS),
    Target("search p95 < 50 ms", "search.worst_p95", 50, False),
    Target("CPV p95 < 20 ms", "cpv.warm_p95", 20, False),
)


def summary(values: list[float | None]) -> dict:
    """Median and spread (min-max) of the repetitions that produced a figure; None when none did."""
    present = [v for v in values if v is not None]
    if not present:
        return {"values": list(values), "median": None, "min": None, "max": None}
    return {"values": list(values), "median": statistics.median(present), "min": min(present), "max": max(present)}


def baseline_degraded(target: Target, baseline_value: float | None) -> bool:
    if target.baseline is None:
        return False
    if baseline_value is None:
        return True  # no baseline at all: nothing says the machine was fit to measure
    higher = METRICS[target.baseline][1]
    return baseline_value < target.baseline_limit if higher else baseline_value > target.baseline_limit


def judge(target: Target, value: float | None, baseline_value: float | None) -> str:
    if value is None:
        return NOT_MEASURED
    if baseline_degraded(target, baseline_value):
        return DEGRADED
    met = value >= target.threshold if target.at_least else value < target.threshold
    return MET if met else NOT_MET


def collect(repetitions: list[dict[str, float | None]]) -> dict[str, dict]:
    """Per metric, its values across repetitions (None where a repetition lacks it), median and spread."""
    names = [name for name in METRICS if any(name in rep for rep in repetitions)]
    metrics = {}
    for name in names:
        unit, higher = METRICS[name]
        metrics[name] = {"unit": unit, "higher_is_better": higher, **summary([rep.get(name) for rep in repetitions])}
    return metrics


def verdicts(metrics: dict[str, dict]) -> list[dict]:
    rows = []
    for target in TARGETS:
        value = metrics.get(target.metric, {}).get("median")
        base = metrics.get(target.baseline, {}).get("median") if target.baseline else None
        rows.append({"target": target.name, "metric": target.metric, "rule": target.rule,
                     "threshold": target.threshold, "baseline": target.baseline, "bound": target.bound,
                     "value": value, "baseline_value": base, "verdict": judge(target, value, base)})
    return rows


def document(metrics: dict[str, dict], **context) -> dict:
    return {"schema": SCHEMA, **context, "metrics": metrics, "verdicts": verdicts(metrics)}


def write(results_dir: Path, doc: dict, stamp: str) -> Path:
    """Writes <stamp>.json and latest.json; returns the stamped path."""
    results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    path = results_dir / f"{stamp}.json"
    path.write_text(text, encoding="utf-8")
    (results_dir / "latest.json").write_text(text, encoding="utf-8")
    return path


def read(path: Path) -> dict:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"{path}: schema {doc.get('schema')!r}, expected {SCHEMA}")
    return doc


def compare(now: dict, earlier: dict) -> list[dict]:
    """Per metric in both runs: the medians and now/earlier, with whether the change is a gain."""
    rows = []
    for name, figure in now["metrics"].items():
        before = earlier["metrics"].get(name)
        if before is None:
            continue
        a, b = figure.get("median"), before.get("median")
        ratio = a / b if a is not None and b else None
        better = None if ratio is None or ratio == 1 else (ratio > 1) == figure["higher_is_better"]
        rows.append({"metric": name, "unit": figure["unit"], "now": a, "earlier": b, "ratio": ratio, "better": better})
    return rows
