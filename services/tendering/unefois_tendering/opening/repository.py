"""The opening's SQL (migration 0018): bid_openings, opened_bids, bid_document_requests; and
its own reads of the deposit register (bid_deposits, migration 0016)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from unefois_tendering.bids.domain import BackupOpeningCase, BidForm, PartRole
from unefois_tendering.evaluations.domain import OpenedBid
from unefois_tendering.opening.domain import (
    Admissibility,
    AnsweredDocument,
    DocumentRequest,
    OpenedBidRecord,
    OpenedFile,
    OpenedState,
    RequestStatus,
    opened_bids_of,
)

_COLUMNS = """id, tenant, consultation_id, lot_number, supplier_siret, supplier_name, state, bid_form, price, files,
              receipt_hash, opened_at, problem, backup, backup_case, backup_reason, replaces_bid_id, admissibility,
              admissibility_reason, decided_by, decided_at"""


def _files_json(files) -> list[dict]:
    return [{"role": f.role.value, "filename": f.filename,
             "document_id": None if f.document_id is None else str(f.document_id), "sha256": f.sha256,
             "size": f.size, "refused": f.refused} for f in files]


def _record(row: asyncpg.Record) -> OpenedBidRecord:
    return OpenedBidRecord(
        bid_id=row["id"], tenant=row["tenant"], consultation_id=row["consultation_id"], lot_number=row["lot_number"],
        supplier_siret=row["supplier_siret"], supplier_name=row["supplier_name"], state=OpenedState(row["state"]),
        bid_form=None if row["bid_form"] is None else BidForm.model_validate(dict(row["bid_form"])),
        price=row["price"],
        files=tuple(OpenedFile(role=PartRole(f["role"]), filename=f["filename"],
                               document_id=None if f["document_id"] is None else uuid.UUID(f["document_id"]),
                               sha256=f["sha256"], size=f["size"], refused=f.get("refused"))
                    for f in row["files"]),
        receipt_hash=row["receipt_hash"], opened_at=row["opened_at"], problem=row["problem"], backup=row["backup"],
        backup_case=None if row["backup_case"] is None else BackupOpeningCase(row["backup_case"]),
        backup_reason=row["backup_reason"], replaces_bid_id=row["replaces_bid_id"],
        admissibility=Admissibility(row["admissibility"]), admissibility_reason=row["admissibility_reason"],
        decided_by=row["decided_by"], decided_at=row["decided_at"])


class OpenedBidRepository:
    """opened_bids: what the opening decrypted, and the admissibility decisions. Row-level
    security: the buyer's tenant scope only (a supplier sees none)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, record: OpenedBidRecord) -> None:
        await self.conn.execute(
            f"""INSERT INTO opened_bids ({_COLUMNS})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                        $21)""",
            record.bid_id, record.tenant, record.consultation_id, record.lot_number, record.supplier_siret,
            record.supplier_name, record.state.value,
            None if record.bid_form is None else record.bid_form.model_dump(mode="json"), record.price,
            _files_json(record.files), record.receipt_hash, record.opened_at, record.problem, record.backup,
            None if record.backup_case is None else record.backup_case.value, record.backup_reason,
            record.replaces_bid_id, record.admissibility.value, record.admissibility_reason, record.decided_by,
            record.decided_at)

    async def get(self, bid_id: uuid.UUID, *, for_update: bool = False) -> OpenedBidRecord | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM opened_bids WHERE id = $1"
                                       + (" FOR UPDATE" if for_update else ""), bid_id)
        return None if row is None else _record(row)

    async def of_consultation(self, consultation_id: uuid.UUID) -> list[OpenedBidRecord]:
        rows = await self.conn.fetch(f"SELECT {_COLUMNS} FROM opened_bids WHERE consultation_id = $1 "
                                     "ORDER BY lot_number NULLS FIRST, opened_at, supplier_name, id", consultation_id)
        return [_record(row) for row in rows]

    async def records_for_lot(self, consultation_id: uuid.UUID, lot_number: int | None) -> list[OpenedBidRecord]:
        rows = await self.conn.fetch(
            f"""SELECT {_COLUMNS} FROM opened_bids WHERE consultation_id = $1
                AND lot_number IS NOT DISTINCT FROM $2 ORDER BY supplier_name, id""", consultation_id, lot_number)
        return [_record(row) for row in rows]

    async def for_lot(self, consultation_id: uuid.UUID, lot_number: int | None) -> list[OpenedBid]:
        """The lot's readable opened bids as the evaluation ranks them (admissibility filled in)."""
        records = await self.records_for_lot(consultation_id, lot_number)
        return opened_bids_of(records)

    async def received_count(self, consultation_id: uuid.UUID, lot_number: int | None) -> int:
        """The offers received in time for the lot (received deposits, not backup copies)."""
        return await self.conn.fetchval(
            """SELECT count(*) FROM bid_deposits WHERE consultation_id = $1 AND lot_number IS NOT DISTINCT FROM $2
               AND status = 'received' AND NOT backup""", consultation_id, lot_number)

    async def decide(self, record: OpenedBidRecord) -> None:
        await self.conn.execute(
            """UPDATE opened_bids SET admissibility = $2, admissibility_reason = $3, decided_by = $4, decided_at = $5
               WHERE id = $1""", record.bid_id, record.admissibility.value, record.admissibility_reason,
            record.decided_by, record.decided_at)


@dataclass(frozen=True)
class Opening:
    consultation_id: uuid.UUID
    tenant: str
    opened_by: str
    opened_at: datetime
    record: dict


class OpeningRepository:
    """bid_openings (the record of each opening) and the register counts the due handler reads."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, opening: Opening) -> None:
        await self.conn.execute(
            "INSERT INTO bid_openings (consultation_id, tenant, opened_by, opened_at, record) VALUES ($1,$2,$3,$4,$5)",
            opening.consultation_id, opening.tenant, opening.opened_by, opening.opened_at, opening.record)

    async def update_record(self, consultation_id: uuid.UUID, record: dict) -> None:
        await self.conn.execute("UPDATE bid_openings SET record = $2 WHERE consultation_id = $1",
                                consultation_id, record)

    async def get(self, consultation_id: uuid.UUID) -> Opening | None:
        row = await self.conn.fetchrow(
            "SELECT consultation_id, tenant, opened_by, opened_at, record FROM bid_openings WHERE consultation_id = $1",
            consultation_id)
        return None if row is None else Opening(row["consultation_id"], row["tenant"], row["opened_by"],
                                                row["opened_at"], dict(row["record"]))

    async def received_total(self, consultation_id: uuid.UUID) -> int:
        return await self.conn.fetchval(
            "SELECT count(*) FROM bid_deposits WHERE consultation_id = $1 AND status = 'received' AND NOT backup",
            consultation_id)


_REQUEST_COLUMNS = """id, tenant, consultation_id, bid_id, supplier_siret, documents, message, deadline, requested_by,
                      requested_at, status, answers, answered_at"""


def _request(row: asyncpg.Record) -> DocumentRequest:
    return DocumentRequest(
        id=row["id"], tenant=row["tenant"], consultation_id=row["consultation_id"], bid_id=row["bid_id"],
        supplier_siret=row["supplier_siret"], documents=tuple(row["documents"]), message=row["message"],
        deadline=row["deadline"], requested_by=row["requested_by"], requested_at=row["requested_at"],
        status=RequestStatus(row["status"]),
        answers=tuple(AnsweredDocument(code=a["code"], filename=a["filename"], document_id=uuid.UUID(a["document_id"]),
                                       sha256=a["sha256"], size=a["size"], at=datetime.fromisoformat(a["at"]))
                      for a in row["answers"]),
        answered_at=row["answered_at"])


class DocumentRequestRepository:
    """bid_document_requests: the buyer's rows in its tenant; a supplier's own (row-level security)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, request: DocumentRequest) -> None:
        await self.conn.execute(
            f"""INSERT INTO bid_document_requests ({_REQUEST_COLUMNS})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
            request.id, request.tenant, request.consultation_id, request.bid_id, request.supplier_siret,
            list(request.documents), request.message, request.deadline, request.requested_by, request.requested_at,
            request.status.value, [], request.answered_at)

    async def get(self, request_id: uuid.UUID, *, for_update: bool = False) -> DocumentRequest | None:
        row = await self.conn.fetchrow(f"SELECT {_REQUEST_COLUMNS} FROM bid_document_requests WHERE id = $1"
                                       + (" FOR UPDATE" if for_update else ""), request_id)
        return None if row is None else _request(row)

    async def of_consultation(self, consultation_id: uuid.UUID) -> list[DocumentRequest]:
        rows = await self.conn.fetch(f"SELECT {_REQUEST_COLUMNS} FROM bid_document_requests WHERE consultation_id = $1 "
                                     "ORDER BY requested_at, id", consultation_id)
        return [_request(row) for row in rows]

    async def mine(self) -> list[DocumentRequest]:
        rows = await self.conn.fetch(f"SELECT {_REQUEST_COLUMNS} FROM bid_document_requests "
                                     "ORDER BY requested_at DESC, id LIMIT 200")
        return [_request(row) for row in rows]

    async def update(self, request: DocumentRequest) -> None:
        answers = [{"code": a.code, "filename": a.filename, "document_id": str(a.document_id), "sha256": a.sha256,
                    "size": a.size, "at": a.at.isoformat()} for a in request.answers]
        await self.conn.execute(
            "UPDATE bid_document_requests SET status = $2, answers = $3, answered_at = $4 WHERE id = $1",
            request.id, request.status.value, answers, request.answered_at)
