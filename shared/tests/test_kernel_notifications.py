"""Notifications without a database: the French templates, notify() on a fake unit of work,
the mail built for SMTP, the sender's settings and back-off."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from unefois_kernel.domain_errors import InvalidFields
from unefois_kernel.notifications import (
    TEMPLATES,
    FakeMailer,
    MailSender,
    MailSettings,
    load_mail_settings,
    mail_message,
    notify,
    paris_datetime,
    render,
)
from unefois_kernel.uow import FakeUnitOfWork

AT = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)  # 09:30 in Paris
CONSULTATION = {"consultation_reference": "2026-C-0042", "consultation_title": "Entretien des espaces verts",
                "buyer_name": "Région Démo"}

CONTEXTS = {
    "deposit_receipt": {**CONSULTATION, "bidder_name": "Paysages & Fils", "lots": ["Lot 1 — Tonte", "Lot 2 — Taille"],
                        "deposited_at": AT, "receipt_hash": "ab" * 32, "replaces_earlier": True,
                        "link": "https://tendering.example/consultations/1"},
    "answer_published": {**CONSULTATION, "question": "Le lot 2 comprend-il l'évacuation des déchets ?",
                         "answer": "Oui, voir l'article 4 du CCTP.", "published_at": AT},
    "dce_changed": {**CONSULTATION, "changed_at": AT, "changes": ["CCTP : version 2", "Plan de situation ajouté"],
                    "bid_deadline": AT + timedelta(days=30)},
    "rejection_letter": {**CONSULTATION, "bidder_name": "Paysages & Fils", "lot_label": "Lot 1 — Tonte",
                         "reasons": ["Offre classée deuxième sur deux"], "bidder_score": "72,5 / 100",
                         "winner_name": "Verts Horizons", "winner_score": "86 / 100",
                         "winner_reasons": ["Meilleure note sur la valeur technique (40 %)"],
                         "standstill_end": AT + timedelta(days=11), "sent_at": AT},
    "bid_deadline_reached": {**CONSULTATION, "bid_deadline": AT, "received": 3, "late": 1},
    "documents_requested": {**CONSULTATION, "bidder_name": "Paysages & Fils",
                            "documents": ["Attestations fiscales et sociales"], "message": "Merci de compléter.",
                            "deadline": AT + timedelta(days=5)},
    "justification_request": {**CONSULTATION, "bidder_name": "Paysages & Fils", "lot_label": "Lot 2 — Taille",
                              "reason": "Prix inférieur de 25 % à la moyenne réduite des offres",
                              "elements": ["L’originalité de l’offre (art. R2152-3, 3°)"], "requested_at": AT,
                              "deadline": AT + timedelta(days=10)},
    "sans_suite_notice": {**CONSULTATION, "bidder_name": "Paysages & Fils",
                          "reason": "Motif d’intérêt général — le besoin a disparu",
                          "explanation": "Une nouvelle consultation pourra être lancée.", "decided_at": AT},
    "award_letter": {**CONSULTATION, "winner_name": "Verts Horizons", "lot_label": "Lot 1 — Tonte",
                     "amount": Decimal("48250.5"), "awarded_at": AT,
                     "next_steps": "Le marché vous sera adressé pour signature."},
}


def test_every_template_has_a_tested_context():
    assert set(CONTEXTS) == set(TEMPLATES)


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_each_template_renders_in_french_from_its_documented_context(name):
    mail = render(name, CONTEXTS[name])
    assert "2026-C-0042" in mail.subject and "\n" not in mail.subject
    assert "Bonjour," in mail.text and "Bonjour," in mail.html
    assert "merci de ne pas y répondre" in mail.text and "merci de ne pas y répondre" not in mail.message
    assert mail.text.startswith(mail.message) and "Voir sur la plateforme" not in mail.message
    assert '<html lang="fr">' in mail.html
    assert "{{" not in mail.text + mail.html and "{%" not in mail.text + mail.html
    # The optional fields may be left out.
    required_only = {key: value for key, value in CONTEXTS[name].items() if key in TEMPLATES[name].required}
    assert render(name, required_only).subject == mail.subject


def test_receipt_says_the_hash_time_and_replacement():
    mail = render("deposit_receipt", CONTEXTS["deposit_receipt"])
    assert mail.subject == "Accusé de réception de votre dépôt — 2026-C-0042"
    assert "ab" * 32 in mail.text and "02/12/2026 à 09:30 (heure de Paris)" in mail.text
    assert "remplace votre dépôt précédent" in mail.text
    assert "Paysages &amp; Fils" in mail.html and "Paysages & Fils" in mail.text  # escaped in HTML only


def test_rejection_letter_states_what_r2181_3_requires():
    mail = render("rejection_letter", CONTEXTS["rejection_letter"])
    for part in ("Offre classée deuxième sur deux", "Verts Horizons", "86 / 100", "72,5 / 100",
                 "Meilleure note sur la valeur technique", "13/12/2026", "R2181-3", "R2182-1"):
        assert part in mail.text and part in mail.html
    without_standstill = render("rejection_letter", {**CONTEXTS["rejection_letter"], "standstill_end": None})
    assert "susceptible d" not in without_standstill.text


def test_award_letter_writes_the_amount_the_french_way():
    mail = render("award_letter", CONTEXTS["award_letter"])
    assert "48\u202f250,50\u00a0€ HT" in mail.text


def test_html_part_escapes_what_people_typed():
    context = {**CONTEXTS["answer_published"], "question": "<script>alert('x')</script>"}
    mail = render("answer_published", context)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "<script>" in mail.text  # the text part is plain text


def test_a_missing_or_unknown_field_is_a_programming_error():
    with pytest.raises(ValueError, match="missing \\['answer'\\]"):
        render("answer_published", {k: v for k, v in CONTEXTS["answer_published"].items() if k != "answer"})
    with pytest.raises(ValueError, match="unknown \\['montant'\\]"):
        render("award_letter", {**CONTEXTS["award_letter"], "montant": 1})
    with pytest.raises(ValueError, match="unknown mail template"):
        render("newsletter", {})
    with pytest.raises(ValueError, match="offset"):
        paris_datetime(datetime(2026, 12, 2, 9, 30))


async def test_notify_on_a_fake_unit_of_work_keeps_the_mail_and_message():
    uow = FakeUnitOfWork(repos=None, tenant="21350238800019")
    async with uow:
        note = await notify(uow, to_email="marie@fournisseur.test", to_org_siret="44306184100047",
                            template="deposit_receipt", context=CONTEXTS["deposit_receipt"])
    assert uow.notifications == [note]
    assert note.tenant == "21350238800019" and note.created_at == uow.clock.now()
    assert note.link == "https://tendering.example/consultations/1"
    with pytest.raises(ValueError, match="recipient"):
        await notify(uow, template="deposit_receipt", context=CONTEXTS["deposit_receipt"])
    with pytest.raises(InvalidFields) as refused:
        await notify(uow, to_email="pas une adresse", template="deposit_receipt", context=CONTEXTS["deposit_receipt"])
    assert refused.value.field == "to_email"
    with pytest.raises(ValueError, match="tenant"):
        await notify(FakeUnitOfWork(repos=None, tenant=None), to_person="sub-1", template="deposit_receipt",
                     context=CONTEXTS["deposit_receipt"])


async def test_the_mail_built_for_smtp_has_both_parts_and_a_stable_message_id():
    mail = render("dce_changed", CONTEXTS["dce_changed"])
    row = {"mail_id": "5b0c8f0e-2c7e-4a44-9d7e-0d3f3c1b9a10", "to_email": "marie@fournisseur.test",
           "subject": mail.subject, "body_text": mail.text, "body_html": mail.html, "created_at": AT}
    message = mail_message(row, "Plateforme <ne-pas-repondre@unefois.test>")
    assert message["Message-ID"] == "<5b0c8f0e-2c7e-4a44-9d7e-0d3f3c1b9a10@unefois>"
    assert message.get_body(("plain",)).get_content().startswith("Bonjour,")
    assert "<h1>Modification du dossier de consultation</h1>" in message.get_body(("html",)).get_content()
    mailer = FakeMailer(fail_next=1)
    with pytest.raises(ConnectionRefusedError):
        await mailer.send(message)
    await mailer.send(message)
    assert mailer.sent == [message]


def test_settings_come_from_the_service_prefix(monkeypatch):
    monkeypatch.setenv("UNEFOIS_TENDERING_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("UNEFOIS_TENDERING_SMTP_PORT", "587")
    monkeypatch.setenv("UNEFOIS_TENDERING_SMTP_PASSWORD", "s3cret")
    settings = load_mail_settings("tendering")
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == ("smtp.example", 587, "starttls")
    assert "s3cret" not in repr(settings)


def test_back_off_doubles_up_to_its_cap():
    sender = MailSender(pool=None, mailer=FakeMailer(), clock=None,
                        settings=MailSettings(mail_initial_backoff_s=5, mail_max_backoff_s=30))
    assert [sender._delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]
