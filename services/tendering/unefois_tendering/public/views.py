"""What the public API answers and what the public pages show of published consultations."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime
from functools import cache
from importlib.resources import files
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from unefois_events.values import Procedure
from unefois_tendering.consultations.domain import CANDIDATE_DOCUMENTS
from unefois_tendering.consultations.views import CRITERION_LABELS, NATURE_LABELS, deadline_moment, paris_day
from unefois_tendering.public.domain import PublicConsultation, PublicStatus, SearchFilters, SearchPage, cpv8

STATUS_LABELS = {PublicStatus.OPEN: "Ouverte", PublicStatus.CLOSED: "Clôturée"}
STATUS_KINDS = {"Ouverte": "success", "Clôturée": "neutral"}
FILTER_LABELS = {
    "q": "Mots-clés", "cpv": "Code CPV", "place": "Lieu d’exécution", "closing_after": "Clôture à partir du",
    "closing_before": "Clôture jusqu’au", "buyer": "Acheteur", "procedure": "Procédure", "nature": "Nature",
    "status": "Statut", "sort": "Tri", "page": "Page", "page_size": "Résultats par page",
}
PROCEDURE_OPTIONS = [(p.name.lower(), p.value) for p in Procedure if p is not Procedure.NO_COMPETITION]
NATURE_OPTIONS = list(NATURE_LABELS.items())
STATUS_OPTIONS = [("open", "Ouvertes"), ("closed", "Clôturées"), ("all", "Toutes")]
SORT_OPTIONS = [("deadline", "Date limite la plus proche"), ("published", "Publication la plus récente")]


@cache
def _cpv_labels() -> dict[str, str]:
    with (files("unefois_tendering") / "reference" / "cpv_2008_fr_en.csv").open(encoding="utf-8") as handle:
        return {row["code8"]: row["label_fr"] for row in csv.DictReader(handle)}


def cpv_label(code: str) -> str | None:
    return _cpv_labels().get(cpv8(code))


def cpv_text(code: str) -> str:
    label = cpv_label(code)
    return f"{code} — {label}" if label else code


class PublicLotView(BaseModel):
    number: int
    title: str


class PublicSummaryView(BaseModel):
    id: uuid.UUID
    reference: str
    buyer_name: str
    buyer_siret: str
    object: str
    nature: str = Field(description="works, supplies ou services")
    procedure: str
    main_cpv: str
    additional_cpvs: list[str]
    place_code: str
    place_type: str
    department: str | None
    commune: str | None
    lots: list[PublicLotView]
    published_at: datetime
    bid_deadline: datetime
    status: str = Field(description="open (offres reçues jusqu’à la date limite) ou closed, selon l’horloge à la lecture")
    url: str = Field(description="la page publique de la consultation")

    @classmethod
    def of(cls, item: PublicConsultation, now: datetime) -> PublicSummaryView:
        return cls(id=item.id, reference=item.reference, buyer_name=item.buyer_name, buyer_siret=item.buyer_siret,
                   object=item.object, nature=item.nature, procedure=item.procedure, main_cpv=item.main_cpv,
                   additional_cpvs=list(item.additional_cpvs), place_code=item.place_code,
                   place_type=item.place_type, department=item.department, commune=item.commune,
                   lots=[PublicLotView(number=lot.number, title=lot.title) for lot in item.lots],
                   published_at=item.published_at, bid_deadline=item.bid_deadline,
                   status=str(item.status_at(now)), url=public_url(item.id))


class SearchView(BaseModel):
    items: list[PublicSummaryView]
    page: int
    page_size: int
    has_more: bool = Field(description="une page suivante existe")

    @classmethod
    def of(cls, page: SearchPage) -> SearchView:
        return cls(items=[PublicSummaryView.of(item, page.now) for item in page.items], page=page.filters.page,
                   page_size=page.filters.page_size, has_more=page.has_more)


class CriterionView(BaseModel):
    kind: str
    name: str
    weight: int
    sub_criteria: list[dict]


class LotCriteriaView(BaseModel):
    lot_number: int | None
    criteria: list[CriterionView]


class PublicConsultationView(PublicSummaryView):
    description: str
    cpv_labels: dict[str, str | None] = Field(description="libellé français de chaque code CPV")
    questions_deadline: datetime | None
    duration_months: int | None
    criteria: list[LotCriteriaView]
    variants_allowed: bool | None
    required_documents: list[dict[str, str]]
    key_fingerprint: str | None = Field(description="empreinte de la clé publique de chiffrement des offres")
    links: dict[str, str]

    @classmethod
    def full(cls, item: PublicConsultation, now: datetime) -> PublicConsultationView:
        summary = PublicSummaryView.of(item, now).model_dump()
        return cls(**summary, description=item.description,
                   cpv_labels={code: cpv_label(code) for code in (item.main_cpv, *item.additional_cpvs)},
                   questions_deadline=item.questions_deadline, duration_months=item.duration_months,
                   criteria=[LotCriteriaView(lot_number=lot.lot_number, criteria=[
                       CriterionView(kind=str(c.kind), name=c.name, weight=c.weight,
                                     sub_criteria=[s.model_dump() for s in c.sub_criteria]) for c in lot.criteria])
                       for lot in item.criteria],
                   variants_allowed=item.variants_allowed,
                   required_documents=[{"code": code, "label": CANDIDATE_DOCUMENTS.get(code, code)}
                                       for code in item.required_documents],
                   key_fingerprint=item.fingerprint, links=links(item.id))


def public_url(consultation_id: uuid.UUID) -> str:
    return f"/consultations-publiques/{consultation_id}"


def links(consultation_id: uuid.UUID) -> dict[str, str]:
    base = public_url(consultation_id)
    return {"dce": f"{base}/dce", "questions": f"{base}/questions", "deposit": f"{base}/depot"}


def place_text(item: PublicConsultation) -> str:
    return f"{item.place_type} {item.place_code}" + (f" (département {item.department})"
                                                      if item.department and item.place_type != "Code département"
                                                      else "")


# ---------------------------------------------------------------- pages


def result_card(item: PublicConsultation, now: datetime) -> dict:
    status = STATUS_LABELS[item.status_at(now)]
    return {
        "url": public_url(item.id), "object": item.object, "reference": item.reference, "buyer": item.buyer_name,
        "status": status, "status_kind": STATUS_KINDS[status],
        "items": [("Acheteur", f"{item.buyer_name} (SIRET {item.buyer_siret})"),
                  ("Procédure", item.procedure),
                  ("Nature", NATURE_LABELS.get(item.nature, item.nature)),
                  ("CPV principal", cpv_text(item.main_cpv)),
                  ("Lieu d’exécution", place_text(item)),
                  ("Publiée le", paris_day(item.published_at)),
                  ("Date limite des offres", deadline_moment(item.bid_deadline))],
        "lots": [f"Lot {lot.number} : {lot.title}" for lot in item.lots],
    }


def _page_url(given: dict[str, str], page: int) -> str:
    params = {key: value for key, value in given.items() if key != "page"} | ({"page": str(page)} if page > 1 else {})
    return "/consultations-publiques" + (f"?{urlencode(params)}" if params else "")


def search_context(page: SearchPage | None, given: dict[str, str], errors: dict[str, str]) -> dict:
    filters: SearchFilters | None = page.filters if page else None
    number = filters.page if filters else 1
    return {
        "title": "Consultations publiques",
        "values": given,
        "errors": errors,
        "labels": FILTER_LABELS,
        "procedure_options": PROCEDURE_OPTIONS,
        "nature_options": NATURE_OPTIONS,
        "status_options": STATUS_OPTIONS,
        "sort_options": SORT_OPTIONS,
        "results": [result_card(item, page.now) for item in page.items] if page else [],
        "searched": page is not None,
        "page_number": number,
        "previous_url": _page_url(given, number - 1) if page and number > 1 else None,
        "next_url": _page_url(given, number + 1) if page and page.has_more else None,
    }


def consultation_page_context(item: PublicConsultation, now: datetime, *, signed_in_supplier: bool) -> dict:
    status = STATUS_LABELS[item.status_at(now)]
    lot_titles = {lot.number: f"Lot {lot.number} : {lot.title}" for lot in item.lots}
    criteria = []
    for lot in item.criteria:
        rows = [[c.name, CRITERION_LABELS[c.kind], f"{c.weight} / 100",
                 "; ".join(f"{s.name} ({s.weight})" for s in c.sub_criteria) or "—"] for c in lot.criteria]
        title = lot_titles.get(lot.lot_number, "Ensemble du marché") if lot.lot_number else "Ensemble du marché"
        criteria.append({"id": f"criteres-{lot.lot_number or 0}", "title": title, "rows": rows})
    cpvs = [cpv_text(code) for code in (item.main_cpv, *item.additional_cpvs)]
    variants = {None: "Non précisé", True: "Autorisées", False: "Interdites"}[item.variants_allowed]
    return {
        "title": item.object,
        "item": item,
        "status": status,
        "status_kind": STATUS_KINDS[status],
        "is_open": item.status_at(now) is PublicStatus.OPEN,
        "items": [
            ("Référence", item.reference),
            ("Acheteur", f"{item.buyer_name} (SIRET {item.buyer_siret})"),
            ("Nature", NATURE_LABELS.get(item.nature, item.nature)),
            ("Procédure", item.procedure),
            ("Lieu d’exécution", place_text(item)),
            ("Durée", f"{item.duration_months} mois" if item.duration_months else "—"),
            ("Publiée le", paris_day(item.published_at)),
            ("Date limite des questions", deadline_moment(item.questions_deadline)),
            ("Date limite des offres", deadline_moment(item.bid_deadline)),
            ("Variantes", variants),
        ],
        "cpvs": cpvs,
        "lots": list(lot_titles.values()),
        "criteria": criteria,
        "criteria_columns": ["Critère", "Type", "Pondération", "Sous-critères"],
        "documents": [CANDIDATE_DOCUMENTS.get(code, code) for code in item.required_documents],
        "links": links(item.id),
        "signed_in_supplier": signed_in_supplier,
    }
