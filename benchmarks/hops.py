"""Per-hop latency of the walking skeleton on the five running services, paced, against raw aiokafka.

Hop (a) sourcing -> tendering: needs are created over HTTP first (not timed), then approved at a
steady pace; latency = tendering `consultations.published_at` - sourcing `needs.approved_at`. Both
are Python `datetime.now(UTC)` taken inside the services' transactions (approval before its commit,
publication in the handler before the consumer's commit), so the hop is: sourcing commit + NOTIFY
+ relay + broker + consumer fetch + parse + handler start.

Hop (b) contracts -> invoicing / opendata: ContractNotified events written into the contracts
service's own outbox, one per transaction, with notified_at = the write time; latency = invoicing
`commitments.opened_at` and opendata `inbox.processed_at` (consumer 'opendata') - notified_at.
Those two columns default to now(), which in PostgreSQL is the START of the consumer's batch
transaction, not the moment of the row's insert or commit: these hops are slightly under-estimated
(by the batch's handler time and the commit).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.support import SAMPLE_TRACEPARENT, Latency, fresh_topics, percentile, topic_name, wait_until
from unefois_deploy.demo import BUYER_LOGINS, VILLAGE, need_facts
from unefois_dev_issuer.client import access_token
from unefois_kernel import db
from unefois_kernel.outbox import publish
from unefois_kernel.testing import BUYER, contract_notified

ARRIVAL_TIMEOUT_S = 90.0
CREATE_CONCURRENCY = 16
MAX_IN_FLIGHT = 200  # approvals waiting for an answer at once; the pace slips beyond that


@dataclass
class HopFigures:
    baseline: Latency
    sourcing_tendering: Latency
    contracts_invoicing: Latency
    contracts_opendata: Latency
    sourcing_relay: Latency
    contracts_relay: Latency
    notes: list[str]
    approve_ms: list[float] | None = None  # POST .../approve answered, paced at the hop's rate
    healthz_ms: list[float] | None = None  # GET /healthz on sourcing at the same pace: the HTTP baseline


async def run(urls: dict[str, str], dsn_of, bootstrap: str, events: int, rate: float, issuer_url: str) -> HopFigures:
    baseline = await raw_latency(bootstrap, events, rate)
    healthz = await healthz_latency(urls["sourcing"], events, rate)
    sourcing_tendering, sourcing_relay, notes_a, approve_ms = await sourcing_to_tendering(
        urls, dsn_of, events, rate, issuer_url)
    invoicing, opendata, contracts_relay, notes_b = await contracts_to_downstream(dsn_of, events, rate)
    return HopFigures(baseline, sourcing_tendering, invoicing, opendata, sourcing_relay, contracts_relay,
                      notes_a + notes_b, approve_ms, healthz)


async def healthz_latency(url: str, count: int, rate: float) -> list[float]:
    """GET /healthz on the same service at the same pace as the approvals: the HTTP raw baseline, in ms."""
    samples: list[float] = []
    tasks: set[asyncio.Task] = set()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=MAX_IN_FLIGHT)) as client:
        async def one() -> None:
            began = time.perf_counter()
            response = await client.get(f"{url}/healthz")
            if response.status_code < 500:
                samples.append((time.perf_counter() - began) * 1000)

        async def fire(_index: int) -> None:
            task = asyncio.create_task(one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        await paced(count, rate, fire)
        if tasks:
            await asyncio.wait(set(tasks), timeout=60)
    return samples


async def relay_pickup(conn: asyncpg.Connection, where: str, ids: list, name: str, expected: int) -> Latency:
    """The relay's share of a hop: outbox created_at (the row's insert, clock_timestamp(), at the
    writer's commit: kernel migration 0011) -> published_at (start of the relay transaction that
    sent the row). Rows stay there for the retention (15 min)."""
    rows = await conn.fetch(
        f"SELECT published_at - created_at AS waited FROM outbox WHERE {where} AND published_at IS NOT NULL", ids
    )
    return Latency(name, [row["waited"].total_seconds() * 1000 for row in rows], expected, is_breakdown=True)


# ---------------------------------------------------------------- pacing


async def paced(count: int, rate: float, action) -> float:
    """Call `await action(i)` for i in range(count), the i-th at start + i/rate; returns the achieved rate."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    for index in range(count):
        delay = began + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await action(index)
    elapsed = loop.time() - began
    return (count - 1) / elapsed if elapsed > 0 and count > 1 else float(count)


# ---------------------------------------------------------------- raw aiokafka baseline


async def raw_latency(bootstrap: str, events: int, rate: float) -> Latency:
    topic = topic_name("latency")
    async with fresh_topics(bootstrap, [topic]):
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                    enable_auto_commit=False)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
        await consumer.start()
        await producer.start()
        samples: list[float] = []
        achieved = 0.0
        received = asyncio.Event()
        reader = asyncio.create_task(_read_latencies(consumer, samples, events + 1, received))
        try:
            headers = [("ce_specversion", b"1.0"), ("ce_type", b"bench"), ("content-type", b"application/json"),
                       ("traceparent", SAMPLE_TRACEPARENT.encode())]
            padding = "x" * 240

            async def send(index: int) -> None:
                value = json.dumps({"seq": index, "sent_ns": time.time_ns(), "note": padding}).encode()
                await producer.send_and_wait(topic, value, key=f"k{index % 1000}".encode(), headers=headers)

            await send(-1)  # warm-up: connections and metadata; not a sample
            await wait_until(lambda: _has(samples, 1), timeout_s=30)
            samples.clear()
            achieved = await paced(events, rate, send)
            await asyncio.wait_for(received.wait(), timeout=ARRIVAL_TIMEOUT_S)
        except TimeoutError:
            pass  # reported as missing samples
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await producer.stop()
            await consumer.stop()
    return Latency(
        "raw aiokafka",
        samples[:events],
        events,
        is_baseline=True,
        notes=[f"produce → consume: send_and_wait (idempotent, acks=all, linger 0) paced at {achieved:.0f}/s, getmany consumer in-process"],
    )


async def _has(samples: list, count: int) -> bool:
    return len(samples) >= count


async def _read_latencies(consumer: AIOKafkaConsumer, samples: list[float], limit: int, done: asyncio.Event) -> None:
    total = 0
    while total < limit:
        batch = await consumer.getmany(timeout_ms=100, max_records=500)
        now = time.time_ns()
        for records in batch.values():
            for record in records:
                samples.append((now - json.loads(record.value)["sent_ns"]) / 1e6)
                total += 1
        if total >= limit:
            done.set()


# ---------------------------------------------------------------- hop (a): sourcing -> tendering


async def sourcing_to_tendering(urls, dsn_of, events: int, rate: float, issuer_url: str) -> tuple[Latency, Latency, list[str], list[float]]:
    run_id = secrets.token_hex(3)
    buyer_login, approver_login = BUYER_LOGINS[VILLAGE["siret"]]
    buyer = {"Authorization": f"Bearer {await access_token(issuer_url, buyer_login)}"}
    approver = {"Authorization": f"Bearer {await access_token(issuer_url, approver_login)}"}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=MAX_IN_FLIGHT)) as client:
        need_ids = await _create_needs(client, urls["sourcing"], events, run_id, buyer)
        failures: list[str] = []
        answered_ms: list[float] = []
        in_flight: set[asyncio.Task] = set()
        gate = asyncio.Semaphore(MAX_IN_FLIGHT)

        async def approve(index: int) -> None:
            await gate.acquire()
            task = asyncio.create_task(
                _approve(client, urls["sourcing"], need_ids[index], failures, answered_ms, gate, approver)
            )
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)

        achieved = await paced(len(need_ids), rate, approve)
        if in_flight:
            await asyncio.wait(set(in_flight), timeout=60)
    tendering = await _tenant_connection(dsn_of("tendering"), VILLAGE["siret"])
    sourcing = await _tenant_connection(dsn_of("sourcing"), VILLAGE["siret"])
    try:
        arrived = await wait_until(
            lambda: _count(tendering, "SELECT count(*) FROM consultations WHERE need_id = ANY($1::uuid[])", need_ids, len(need_ids)),
            timeout_s=ARRIVAL_TIMEOUT_S, interval_s=0.1,
        )
        approved = {r["id"]: r["approved_at"] for r in await sourcing.fetch(
            "SELECT id, approved_at FROM needs WHERE id = ANY($1::uuid[]) AND approved_at IS NOT NULL", need_ids)}
        # Since issue 11 the consultation waits for its procedure (published_at NULL): received_at is the hop's end.
        published = {r["need_id"]: r["received_at"] for r in await tendering.fetch(
            "SELECT need_id, received_at FROM consultations WHERE need_id = ANY($1::uuid[])", need_ids)}
        # NeedApproved's Kafka key (the outbox row's key) is the need id.
        pickup = await relay_pickup(sourcing, "key = ANY($1::text[])", [str(i) for i in need_ids],
                                    "  ↳ of which sourcing relay pickup", len(need_ids))
    finally:
        await tendering.close()
        await sourcing.close()
    samples = [(published[i] - approved[i]).total_seconds() * 1000 for i in need_ids if i in approved and i in published]
    notes = [f"hop (a): {len(need_ids):,} needs created over HTTP (not timed), approvals paced at {achieved:.0f}/s; "
             f"POST approve answered in p50 {percentile(answered_ms, 50) or 0:.1f} ms, "
             f"p99 {percentile(answered_ms, 99) or 0:.1f} ms (the pace slips when {MAX_IN_FLIGHT} are waiting)"]
    if failures:
        notes.append(f"hop (a): {len(failures)} approvals failed, first: {failures[0]}")
    if not arrived:
        notes.append(f"hop (a): only {len(published):,} consultations after {ARRIVAL_TIMEOUT_S:.0f} s")
    latency = Latency("sourcing → tendering", samples, events,
                      notes=["needs.approved_at → consultations.received_at (both datetime.now() in the services)"])
    return latency, pickup, notes, answered_ms


async def _tenant_connection(dsn: str, tenant: str) -> asyncpg.Connection:
    """A connection that reads one buyer's rows (the services' tables have row-level security)."""
    conn = await asyncpg.connect(dsn)
    await conn.execute("SELECT set_config('unefois.tenant', $1, false)", tenant)
    return conn


async def _create_needs(client: httpx.AsyncClient, sourcing_url: str, count: int, run_id: str,
                        buyer: dict[str, str]) -> list[uuid.UUID]:
    """Created and submitted (not timed): the timed step is the approval."""
    gate = asyncio.Semaphore(CREATE_CONCURRENCY)

    async def create(index: int) -> uuid.UUID:
        facts = need_facts(object_=f"Banc d'essai {run_id} n°{index}", cpv="45233140", value="85000.00", commune="01004")
        async with gate:
            response = await client.post(f"{sourcing_url}/api/needs", json={"facts": facts}, headers=buyer)
            response.raise_for_status()
            need_id = response.json()["id"]
            submitted = await client.post(f"{sourcing_url}/api/needs/{need_id}/submit", headers=buyer)
            submitted.raise_for_status()
        return uuid.UUID(need_id)

    return list(await asyncio.gather(*(create(i) for i in range(count))))


async def _approve(client, sourcing_url: str, need_id, failures: list[str], answered_ms: list[float],
                   gate: asyncio.Semaphore, approver: dict[str, str]) -> None:
    began = time.perf_counter()
    try:
        response = await client.post(f"{sourcing_url}/api/needs/{need_id}/approve", json={}, headers=approver)
        answered_ms.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
    except httpx.HTTPError as exc:
        failures.append(repr(exc))
    finally:
        gate.release()


async def _count(conn: asyncpg.Connection, sql: str, ids: list, expected: int) -> bool:
    return await conn.fetchval(sql, ids) >= expected


# ---------------------------------------------------------------- hop (b): contracts -> invoicing, opendata


async def contracts_to_downstream(dsn_of, events: int, rate: float) -> tuple[Latency, Latency, Latency, list[str]]:
    run_id = secrets.token_hex(3).upper()
    written: list[tuple[uuid.UUID, uuid.UUID, datetime]] = []  # contract id, event id, notified_at
    contracts = await db.connect(dsn_of("contracts"))
    try:

        async def write(index: int) -> None:
            notified_at = datetime.now(UTC)
            event = contract_notified(number=f"H{run_id}{index:05d}", notified_at=notified_at)
            async with contracts.transaction():
                (stored,) = await publish(contracts, "contracts", event)
            written.append((event.contract_id, stored.envelope.id, notified_at))

        achieved = await paced(events, rate, write)
        event_ids = [e for _, e, _ in written]
        await wait_until(lambda: _count(contracts, "SELECT count(*) FROM outbox WHERE event_id = ANY($1::uuid[]) "
                                        "AND published_at IS NOT NULL", event_ids, len(event_ids)),
                         timeout_s=ARRIVAL_TIMEOUT_S, interval_s=0.1)
        pickup = await relay_pickup(contracts, "event_id = ANY($1::uuid[])", event_ids,
                                    "  ↳ of which contracts relay pickup", events)
    finally:
        await contracts.close()
    contract_ids = [c for c, _, _ in written]
    invoicing = await _tenant_connection(dsn_of("invoicing"), BUYER.siret)
    opendata = await asyncpg.connect(dsn_of("opendata"))
    notes = [f"hop (b): {len(written):,} ContractNotified written into the contracts outbox, one per transaction, "
             f"paced at {achieved:.0f}/s"]
    try:
        for conn, sql, ids, what in (
            (invoicing, "SELECT count(*) FROM commitments WHERE contract_id = ANY($1::uuid[])", contract_ids, "commitments"),
            (opendata, "SELECT count(*) FROM inbox WHERE consumer = 'opendata' AND event_id = ANY($1::uuid[])", event_ids,
             "opendata inbox rows"),
        ):
            if not await wait_until(lambda: _count(conn, sql, ids, len(ids)), timeout_s=ARRIVAL_TIMEOUT_S, interval_s=0.1):
                notes.append(f"hop (b): not all {what} arrived within {ARRIVAL_TIMEOUT_S:.0f} s")
        # commitments.opened_at is on the platform's settable clock (moved by the demo): the inbox's now() is not.
        invoiced = {r["event_id"]: r["processed_at"] for r in await invoicing.fetch(
            "SELECT event_id, processed_at FROM inbox WHERE consumer = 'invoicing' AND event_id = ANY($1::uuid[])", event_ids)}
        processed = {r["event_id"]: r["processed_at"] for r in await opendata.fetch(
            "SELECT event_id, processed_at FROM inbox WHERE consumer = 'opendata' AND event_id = ANY($1::uuid[])", event_ids)}
    finally:
        await invoicing.close()
        await opendata.close()
    to_invoicing = [(invoiced[e] - at).total_seconds() * 1000 for _, e, at in written if e in invoiced]
    to_opendata = [(processed[e] - at).total_seconds() * 1000 for _, e, at in written if e in processed]
    under = "now() = start of the consumer's batch transaction: slightly under-estimated"
    return (
        Latency("contracts → invoicing", to_invoicing, events, notes=[f"notified_at → inbox.processed_at (invoicing); {under}"]),
        Latency("contracts → opendata", to_opendata, events, notes=[f"notified_at → inbox.processed_at; {under}"]),
        pickup,
        notes,
    )
