"""The public projection's SQL (table public_consultations, joined to consultation_public_keys
for the sealing key's fingerprint). Readable by anyone: its policy lets every row be read."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from unefois_tendering.consultations.domain import LotCriteria
from unefois_tendering.public.domain import (
    PublicConsultation,
    PublicLot,
    SearchFilters,
    Sort,
    StatusFilter,
    cpv_prefixes,
    normalise,
    search_text,
)

_COLUMNS = """p.consultation_id, p.tenant, p.reference, p.buyer_siret, p.buyer_name, p.object, p.description,
              p.nature, p.procedure, p.main_cpv, p.additional_cpvs, p.place_code, p.place_type, p.department,
              p.commune, p.lots, p.details, p.published_at, p.bid_deadline"""

# The stemmed words (french) and the last word as a prefix of a stemmed or an unstemmed word.
_TEXT = ("p.document @@ (to_tsquery('french', ${full}) && "
         "(to_tsquery('french', ${last}) || to_tsquery('simple', ${last})))")


def _row(row: asyncpg.Record, fingerprint: str | None = None) -> PublicConsultation:
    details = row["details"]
    return PublicConsultation(
        id=row["consultation_id"], tenant=row["tenant"], reference=row["reference"], buyer_name=row["buyer_name"],
        buyer_siret=row["buyer_siret"], object=row["object"], description=row["description"], nature=row["nature"],
        procedure=row["procedure"], main_cpv=row["main_cpv"], additional_cpvs=tuple(row["additional_cpvs"]),
        place_code=row["place_code"], place_type=row["place_type"], department=row["department"],
        commune=row["commune"], lots=tuple(PublicLot(lot["number"], lot["title"]) for lot in row["lots"]),
        published_at=row["published_at"], bid_deadline=row["bid_deadline"],
        questions_deadline=(datetime.fromisoformat(details["questions_deadline"])
                            if details.get("questions_deadline") else None),
        duration_months=details.get("duration_months"),
        criteria=tuple(LotCriteria.model_validate(lot) for lot in details.get("criteria", ())),
        variants_allowed=details.get("variants_allowed"),
        required_documents=tuple(details.get("required_documents", ())),
        fingerprint=fingerprint,
    )


def details_of(consultation: PublicConsultation) -> dict:
    return {
        "questions_deadline": consultation.questions_deadline.isoformat() if consultation.questions_deadline else None,
        "duration_months": consultation.duration_months,
        "criteria": [lot.model_dump(mode="json") for lot in consultation.criteria],
        "variants_allowed": consultation.variants_allowed,
        "required_documents": list(consultation.required_documents),
    }


def search_sql(filters: SearchFilters, now: datetime) -> tuple[str, list]:
    """The search as one statement and its arguments (every value a parameter). Also used by the
    benchmark, which times exactly what the service runs."""
    conditions: list[str] = []
    arguments: list = []

    def arg(value) -> str:
        arguments.append(value)
        return f"${len(arguments)}"

    if filters.words:
        full, last = filters.tsquery_terms()
        conditions.append(_TEXT.replace("${full}", arg(full)).replace("${last}", arg(last)))
    if filters.cpv_prefix:
        conditions.append(f"p.cpv_prefixes @> ARRAY[{arg(filters.cpv_prefix)}::text]")
    if filters.department:
        conditions.append(f"p.department = {arg(filters.department)}")
    if filters.commune:
        conditions.append(f"p.commune = {arg(filters.commune)}")
    after, before = filters.closing_bounds()
    if after is not None:
        conditions.append(f"p.bid_deadline >= {arg(after)}")
    if before is not None:
        conditions.append(f"p.bid_deadline <= {arg(before)}")
    if filters.buyer_siret:
        conditions.append(f"p.buyer_siret = {arg(filters.buyer_siret)}")
    if filters.buyer_name:
        escaped = filters.buyer_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(f"p.buyer_search LIKE {arg('%' + escaped + '%')}")
    if filters.procedure:
        conditions.append(f"p.procedure = {arg(filters.procedure)}")
    if filters.nature:
        conditions.append(f"p.nature = {arg(filters.nature)}")
    if filters.status is StatusFilter.OPEN:
        conditions.append(f"p.bid_deadline > {arg(now)}")
    elif filters.status is StatusFilter.CLOSED:
        conditions.append(f"p.bid_deadline <= {arg(now)}")
    order = ("p.bid_deadline, p.consultation_id" if filters.sort is Sort.DEADLINE
             else "p.published_at DESC, p.consultation_id")
    where = " AND ".join(conditions) or "true"
    sql = (f"SELECT {_COLUMNS} FROM public_consultations p WHERE {where} ORDER BY {order} "
           f"LIMIT {arg(filters.page_size + 1)} OFFSET {arg(filters.offset)}")
    return sql, arguments


class PublicConsultationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, consultation: PublicConsultation) -> None:
        """Written once, at publication (a second write of the same consultation replaces it)."""
        text = search_text(consultation)
        await self.conn.execute(
            """INSERT INTO public_consultations (consultation_id, tenant, reference, buyer_siret, buyer_name,
                   buyer_search, object, description, nature, procedure, main_cpv, additional_cpvs, cpv_prefixes,
                   place_code, place_type, department, commune, lots, details, published_at, bid_deadline, document)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                       $21, to_tsvector('french', $22) || to_tsvector('simple', $22))
               ON CONFLICT (consultation_id) DO UPDATE SET
                   lots = EXCLUDED.lots, details = EXCLUDED.details, bid_deadline = EXCLUDED.bid_deadline,
                   document = EXCLUDED.document""",
            consultation.id, consultation.tenant, consultation.reference, consultation.buyer_siret,
            consultation.buyer_name, normalise(consultation.buyer_name), consultation.object,
            consultation.description, consultation.nature, consultation.procedure, consultation.main_cpv,
            list(consultation.additional_cpvs), cpv_prefixes([consultation.main_cpv, *consultation.additional_cpvs]),
            consultation.place_code, consultation.place_type, consultation.department, consultation.commune,
            [{"number": lot.number, "title": lot.title} for lot in consultation.lots], details_of(consultation),
            consultation.published_at, consultation.bid_deadline, text,
        )

    async def get(self, consultation_id: uuid.UUID) -> PublicConsultation | None:
        row = await self.conn.fetchrow(
            f"""SELECT {_COLUMNS}, k.fingerprint FROM public_consultations p
                LEFT JOIN consultation_public_keys k ON k.consultation_id = p.consultation_id
                WHERE p.consultation_id = $1""", consultation_id)
        return None if row is None else _row(row, row["fingerprint"])

    async def search(self, filters: SearchFilters, now: datetime) -> tuple[list[PublicConsultation], bool]:
        """One page of the consultations matching `filters` at `now`, and whether more follow."""
        sql, arguments = search_sql(filters, now)
        rows = await self.conn.fetch(sql, *arguments)
        return [_row(row) for row in rows[: filters.page_size]], len(rows) > filters.page_size

