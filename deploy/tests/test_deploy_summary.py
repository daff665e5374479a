"""What `make up` prints: the promised URLs, the demo purchases told apart by buyer, the seeded
logins, every line within an 80-column terminal (issue 7, item 7)."""

from __future__ import annotations

from unefois_dev_issuer.users import seeded_users

from unefois_deploy.demo import DEMO_PURCHASES, demo_buyers
from unefois_deploy.summary import WIDTH, DemoPurchase, demo_lines, login_lines, service_lines
from unefois_kernel.stages import STAGES

URLS = {stage.name: f"http://127.0.0.1:{stage.port}" for stage in STAGES}


def printed(purchases) -> list[str]:
    return (service_lines(URLS, "http://127.0.0.1:8000") + demo_lines(purchases, URLS)
            + login_lines(seeded_users(), "password unefois-dev"))


def loaded() -> list[DemoPurchase]:
    return [DemoPurchase(p.buyer, p.object, f"2026-{i:04d}", f"00000000-0000-4000-8000-00000000000{i}")
            for i, p in enumerate(demo_buyers(), start=1)]


def test_every_line_fits_an_80_column_terminal():
    lines = printed(loaded())
    too_long = [line for line in lines if len(line) >= WIDTH]
    assert too_long == []
    # A long object is wrapped at a word, with its indent, never cut inside a word.
    long_object = DemoPurchase("Commune de Démoville", "Entretien " * 12 + "des espaces verts")
    wrapped = demo_lines([long_object], URLS)[2:]
    assert len(wrapped) > 1 and all(line.startswith("    ") and len(line) < WIDTH for line in wrapped)
    assert " ".join(line.strip() for line in wrapped) == long_object.object


def test_the_urls_the_readme_promises_are_printed_whole():
    text = "\n".join(printed(loaded()))
    for stage, url in URLS.items():
        assert f"{url}/" in text
    assert "http://127.0.0.1:8005/api/decp" in text
    assert "http://127.0.0.1:8001/docs" in text and "http://127.0.0.1:8001/asyncapi.json" in text
    assert "http://127.0.0.1:8000/" in text


def test_the_demo_purchases_are_told_apart_by_buyer():
    lines = demo_lines(loaded(), URLS)
    buyers = [buyer["name"] for buyer, *_ in DEMO_PURCHASES]
    assert len(set(buyers)) == len(buyers) == 3
    positions = [lines.index(f"  {name}") for name in buyers]
    assert positions == sorted(positions)
    # Under each buyer: its own object, contract number and DECP record.
    for index, (buyer, object_, *_rest) in enumerate(DEMO_PURCHASES):
        block = lines[positions[index]:positions[index + 1] if index + 1 < len(positions) else None]
        assert any(object_ in line for line in block)
        assert f"    contract 2026-{index + 1:04d}" in block
        assert any(line.strip().startswith(f"{URLS['opendata']}/api/decp/") for line in block)


def test_an_already_loaded_demo_still_lists_its_purchases_by_buyer():
    lines = demo_lines(demo_buyers(), URLS)
    assert [line.strip() for line in lines if line.startswith("  ") and not line.startswith("    ")] == [
        buyer["name"] for buyer, *_ in DEMO_PURCHASES]
    assert not any("contract" in line for line in lines)


def test_logins_are_grouped_by_organisation_with_french_roles():
    lines = login_lines(seeded_users(), "password unefois-dev")
    text = "\n".join(lines)
    assert "acheteur valideur" in text and "fournisseur" in text and "exploitant" in text
    assert "buyer" not in text and "supplier" not in text
    for user in seeded_users():
        assert any(line.split()[0] == user.login for line in lines if line.startswith("    "))
