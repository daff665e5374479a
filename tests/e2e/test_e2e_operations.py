"""What operators and integrators read from every service: health, metrics, API documents."""

from __future__ import annotations

import pytest
from unefois_deploy.demo import REGION, SUPPLIERS, need_facts, run_purchase

pytestmark = pytest.mark.integration


async def test_every_service_is_live_and_ready(urls, client):
    for stage, url in urls.items():
        assert (await client.get(f"{url}/healthz")).json() == {"status": "ok", "service": stage}
        ready = await client.get(f"{url}/readyz")
        assert ready.status_code == 200, stage
        assert ready.json()["checks"] == {"database": True, "broker": True}


async def test_metrics_expose_backlog_lag_dlq_and_handler_latency(urls, client, actors, platform_clock):
    facts = need_facts(object_="Étude de trafic", cpv="71311210", value="60000.00", commune="69123", nature="services")
    who = await actors(REGION["siret"], SUPPLIERS[2]["siret"])
    await run_purchase(client, urls, facts, SUPPLIERS[2], "55000.00", who, advance=platform_clock.advance)
    text = (await client.get(f"{urls['invoicing']}/metrics")).text
    assert "unefois_outbox_backlog " in text
    assert 'unefois_consumer_lag{consumer="invoicing",partition=' in text
    assert 'unefois_dlq_size{topic="contracts.contract.dlq"}' in text
    assert 'unefois_handler_duration_seconds_count{consumer="invoicing",event_type="fr.unefois.contracts.ContractNotified.v1"}' in text
    tendering = (await client.get(f"{urls['tendering']}/metrics")).text
    # Published by the relay's own process, counted on the service's /metrics (relay_process).
    assert 'unefois_outbox_published_total{topic="tendering.consultation"}' in tendering
    assert 'unefois_events_processed_total{consumer="tendering",outcome="applied",topic="sourcing.need"}' in tendering


async def test_asyncapi_describes_each_services_channels(urls, client):
    document = (await client.get(f"{urls['tendering']}/asyncapi.json")).json()
    assert document["asyncapi"].startswith("3.")
    channels = {channel["address"] for channel in document["channels"].values()}
    assert {"sourcing.need", "tendering.consultation", "tendering.award"} <= channels
    payloads = str(document["components"]["schemas"])
    assert "AwardDecided" in payloads and "ConsultationPublished" in payloads


async def test_openapi_documents_the_json_api(urls, client):
    paths = (await client.get(f"{urls['contracts']}/openapi.json")).json()["paths"]
    assert "/api/contracts/{contract_id}/notify" in paths
