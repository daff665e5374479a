"""The SQL of the records area: the table decp_records (migrations 0001, 0002).

Open data by law (R.2196-1): the table has no row-level security and no tenant filter; anyone
may read the published records, of every buyer.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import asyncpg

from unefois_opendata.records.decp import PublicationDuty
from unefois_opendata.records.domain import PUBLISHED_DUTIES, BuyerSummary, DecpRecord, RecordOrder

_COLUMNS = ("contract_id, buyer_siret, buyer_name, contract_number, publication_duty, record, notified_on, "
            "published_on")
# Records of the published kinds, of one buyer ($2) or of all ($2 NULL).
_PUBLISHED = "publication_duty = ANY($1::text[]) AND ($2::text IS NULL OR buyer_siret = $2)"
# Only these expressions reach ORDER BY, never text from the request.
_ORDER_BY = {
    RecordOrder.NUMBER: "contract_number",
    RecordOrder.OBJECT: "lower(record->>'objet')",
    RecordOrder.BUYER: "lower(coalesce(buyer_name, buyer_siret))",
    RecordOrder.AMOUNT: "(record->>'montant')::numeric",
    RecordOrder.NOTIFIED: "notified_on",
}


def _published_duties() -> list[str]:
    return [str(duty) for duty in PUBLISHED_DUTIES]


def _record(row: asyncpg.Record) -> DecpRecord:
    return DecpRecord(
        contract_id=row["contract_id"],
        buyer_siret=row["buyer_siret"],
        buyer_name=row["buyer_name"],
        contract_number=row["contract_number"],
        publication_duty=PublicationDuty(row["publication_duty"]),
        record=row["record"],
        notified_on=row["notified_on"],
        published_on=row["published_on"],
    )


class RecordRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, record: DecpRecord) -> bool:
        """Keep a new record; False when the contract already has one (a second delivery of
        its event: the primary key makes it a no-op even without the inbox)."""
        inserted = await self.conn.fetchval(
            f"""INSERT INTO decp_records ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (contract_id) DO NOTHING RETURNING contract_id""",
            record.contract_id,
            record.buyer_siret,
            record.buyer_name,
            record.contract_number,
            str(record.publication_duty),
            record.record,
            record.notified_on,
            record.published_on,
        )
        return inserted is not None

    async def add_all(self, records: list[DecpRecord]) -> set[uuid.UUID]:
        """Keep new records in one statement; the contract ids kept (a contract that already
        has a record, or comes twice in `records`, is kept once: the first)."""
        rows = await self.conn.fetch(
            f"""INSERT INTO decp_records ({_COLUMNS})
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[],
                                     $7::date[], $8::date[])
                ON CONFLICT (contract_id) DO NOTHING RETURNING contract_id""",
            [record.contract_id for record in records],
            [record.buyer_siret for record in records],
            [record.buyer_name for record in records],
            [record.contract_number for record in records],
            [str(record.publication_duty) for record in records],
            [record.record for record in records],
            [record.notified_on for record in records],
            [record.published_on for record in records],
        )
        return {row["contract_id"] for row in rows}

    async def published(self, contract_id: uuid.UUID) -> DecpRecord | None:
        """The record of a contract if it is of a published kind."""
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM decp_records WHERE contract_id = $1 AND publication_duty = ANY($2::text[])",
            contract_id,
            _published_duties(),
        )
        return _record(row) if row is not None else None

    async def count_published(self, *, buyer_siret: str | None = None) -> int:
        return await self.conn.fetchval(f"SELECT count(*) FROM decp_records WHERE {_PUBLISHED}",
                                        _published_duties(), buyer_siret)

    async def list_published(self, *, buyer_siret: str | None = None, order: RecordOrder | None = None,
                             descending: bool = False, limit: int, offset: int = 0) -> list[DecpRecord]:
        """Published records, of one buyer or of all: latest published first, or by `order`
        (absent values last) and then so."""
        ordering = "published_on DESC, contract_number"
        if order is not None:
            ordering = f"{_ORDER_BY[RecordOrder(order)]} {'DESC' if descending else 'ASC'} NULLS LAST, {ordering}"
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM decp_records WHERE {_PUBLISHED} ORDER BY {ordering} LIMIT $3 OFFSET $4",
            _published_duties(),
            buyer_siret,
            limit,
            offset,
        )
        return [_record(row) for row in rows]

    async def buyer_summary(self, siret: str) -> BuyerSummary:
        """A buyer's published contracts counted and summed, and the latest name its records carried."""
        row = await self.conn.fetchrow(
            f"""SELECT count(*) AS contracts, sum((record->>'montant')::numeric) AS amount,
                       (SELECT buyer_name FROM decp_records WHERE buyer_siret = $2 AND buyer_name IS NOT NULL
                        ORDER BY published_on DESC LIMIT 1) AS name
                FROM decp_records WHERE {_PUBLISHED}""",
            _published_duties(),
            siret,
        )
        amount = row["amount"] if row["amount"] is not None else Decimal(0)
        return BuyerSummary(siret=siret, name=row["name"], contracts=row["contracts"], amount=amount)
