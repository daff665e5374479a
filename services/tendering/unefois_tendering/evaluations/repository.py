"""The evaluations' SQL (migration 0019): lots' evaluation records, marks, abnormally-low cases,
letters and the sans-suite decision. Row-level security scopes every query (a supplier reads only
its own cases and letters)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal

import asyncpg

from unefois_tendering.evaluations.domain import (
    AbnormallyLowCase,
    AbnormalStatus,
    CaseRecord,
    LetterKind,
    LetterRecord,
    LotRecord,
    LotStatus,
    Mark,
    PriceFormula,
)

_LOT_COLUMNS = """tenant, consultation_id, lot_key, formula, status, proposal_bid_id, tie_break_reason, proposed_at,
    proposed_by, decided_at, decided_by, award_id, letters_sent_at, standstill_ends_at, standstill_reason,
    event_emitted_at, outcome_explanation, updated_at"""


def _lot(row: asyncpg.Record) -> LotRecord:
    explanation = row["outcome_explanation"]
    if isinstance(explanation, str):
        explanation = json.loads(explanation)
    return LotRecord(
        tenant=row["tenant"], consultation_id=row["consultation_id"], lot_key=row["lot_key"],
        formula=PriceFormula(row["formula"]), status=LotStatus(row["status"]),
        proposal_bid_id=row["proposal_bid_id"], tie_break_reason=row["tie_break_reason"],
        proposed_at=row["proposed_at"], proposed_by=row["proposed_by"], decided_at=row["decided_at"],
        decided_by=row["decided_by"], award_id=row["award_id"], letters_sent_at=row["letters_sent_at"],
        standstill_ends_at=row["standstill_ends_at"], standstill_reason=row["standstill_reason"],
        event_emitted_at=row["event_emitted_at"], outcome_explanation=tuple(explanation or ()),
        updated_at=row["updated_at"])


def _history(value) -> tuple[tuple[AbnormalStatus, datetime], ...]:
    if isinstance(value, str):
        value = json.loads(value)
    return tuple((AbnormalStatus(status), datetime.fromisoformat(at)) for status, at in (value or []))


def _case(row: asyncpg.Record) -> CaseRecord:
    case = AbnormallyLowCase(
        bid_id=row["bid_id"], flag_reason=row["flag_reason"], status=AbnormalStatus(row["status"]),
        requested_at=row["requested_at"], deadline=row["deadline"], answered_at=row["answered_at"],
        decided_at=row["decided_at"], decision_reason=row["decision_reason"], history=_history(row["history"]))
    return CaseRecord(
        case=case, tenant=row["tenant"], consultation_id=row["consultation_id"], lot_key=row["lot_key"],
        supplier_siret=row["supplier_siret"], bidder_name=row["bidder_name"],
        consultation_reference=row["consultation_reference"], consultation_title=row["consultation_title"],
        lot_title=row["lot_title"], answer_text=row["answer_text"], answer_document_id=row["answer_document_id"],
        answer_filename=row["answer_filename"])


def _letter(row: asyncpg.Record) -> LetterRecord:
    return LetterRecord(
        id=row["id"], tenant=row["tenant"], consultation_id=row["consultation_id"], lot_key=row["lot_key"],
        bid_id=row["bid_id"], supplier_siret=row["supplier_siret"], bidder_name=row["bidder_name"],
        kind=LetterKind(row["kind"]), subject=row["subject"], body=row["body"], document_id=row["document_id"],
        consultation_reference=row["consultation_reference"], consultation_title=row["consultation_title"],
        lot_title=row["lot_title"], sent_at=row["sent_at"])


class EvaluationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ lots

    async def lot(self, consultation_id: uuid.UUID, key: int, *, for_update: bool = False) -> LotRecord | None:
        row = await self.conn.fetchrow(
            f"SELECT {_LOT_COLUMNS} FROM lot_evaluations WHERE consultation_id = $1 AND lot_key = $2"
            + (" FOR UPDATE" if for_update else ""), consultation_id, key)
        return _lot(row) if row else None

    async def lots(self, consultation_id: uuid.UUID) -> list[LotRecord]:
        rows = await self.conn.fetch(
            f"SELECT {_LOT_COLUMNS} FROM lot_evaluations WHERE consultation_id = $1 ORDER BY lot_key", consultation_id)
        return [_lot(row) for row in rows]

    async def save_lot(self, lot: LotRecord) -> None:
        await self.conn.execute(
            f"""INSERT INTO lot_evaluations ({_LOT_COLUMNS})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                ON CONFLICT (consultation_id, lot_key) DO UPDATE SET
                  formula = EXCLUDED.formula, status = EXCLUDED.status, proposal_bid_id = EXCLUDED.proposal_bid_id,
                  tie_break_reason = EXCLUDED.tie_break_reason, proposed_at = EXCLUDED.proposed_at,
                  proposed_by = EXCLUDED.proposed_by, decided_at = EXCLUDED.decided_at,
                  decided_by = EXCLUDED.decided_by, award_id = EXCLUDED.award_id,
                  letters_sent_at = EXCLUDED.letters_sent_at, standstill_ends_at = EXCLUDED.standstill_ends_at,
                  standstill_reason = EXCLUDED.standstill_reason, event_emitted_at = EXCLUDED.event_emitted_at,
                  outcome_explanation = EXCLUDED.outcome_explanation, updated_at = EXCLUDED.updated_at""",
            lot.tenant, lot.consultation_id, lot.lot_key, lot.formula.value, lot.status.value, lot.proposal_bid_id,
            lot.tie_break_reason, lot.proposed_at, lot.proposed_by, lot.decided_at, lot.decided_by, lot.award_id,
            lot.letters_sent_at, lot.standstill_ends_at, lot.standstill_reason, lot.event_emitted_at,
            json.dumps(list(lot.outcome_explanation)), lot.updated_at)

    async def contact_email(self, bid_id: uuid.UUID) -> str | None:
        """The e-mail of whoever deposited the bid (bid_deposits: the buyer's row-level security scope)."""
        return await self.conn.fetchval("SELECT depositor_email FROM bid_deposits WHERE id = $1", bid_id)

    # ------------------------------------------------------------ marks

    async def marks(self, consultation_id: uuid.UUID, key: int) -> list[Mark]:
        rows = await self.conn.fetch(
            """SELECT bid_id, criterion, sub_criterion, points, comment FROM evaluation_marks
               WHERE consultation_id = $1 AND lot_key = $2 ORDER BY bid_id, criterion, sub_criterion""",
            consultation_id, key)
        return [Mark(row["bid_id"], row["criterion"], None if row["sub_criterion"] < 0 else row["sub_criterion"],
                     Decimal(row["points"]), row["comment"]) for row in rows]

    async def replace_marks(self, tenant: str, consultation_id: uuid.UUID, key: int, marks: list[Mark], *,
                            by: str, at: datetime) -> None:
        await self.conn.execute("DELETE FROM evaluation_marks WHERE consultation_id = $1 AND lot_key = $2",
                                consultation_id, key)
        await self.conn.executemany(
            """INSERT INTO evaluation_marks (tenant, consultation_id, lot_key, bid_id, criterion, sub_criterion,
                                             points, comment, marked_by, marked_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            [(tenant, consultation_id, key, mark.bid_id, mark.criterion,
              -1 if mark.sub_criterion is None else mark.sub_criterion, mark.points, mark.comment, by, at)
             for mark in marks])

    # ------------------------------------------------------------ abnormally-low cases

    _CASE = """SELECT bid_id, tenant, consultation_id, lot_key, supplier_siret, bidder_name, consultation_reference,
                      consultation_title, lot_title, status, flag_reason, requested_at, deadline, answered_at,
                      answer_text, answer_document_id, answer_filename, decided_at, decision_reason, history
                 FROM abnormally_low_cases"""

    async def cases(self, consultation_id: uuid.UUID, key: int) -> list[CaseRecord]:
        rows = await self.conn.fetch(self._CASE + " WHERE consultation_id = $1 AND lot_key = $2 ORDER BY bid_id",
                                     consultation_id, key)
        return [_case(row) for row in rows]

    async def case(self, bid_id: uuid.UUID, *, for_update: bool = False) -> CaseRecord | None:
        row = await self.conn.fetchrow(self._CASE + " WHERE bid_id = $1" + (" FOR UPDATE" if for_update else ""),
                                       bid_id)
        return _case(row) if row else None

    async def supplier_cases(self) -> list[CaseRecord]:
        """The signed-in supplier's cases (row-level security: its own only), requested ones."""
        rows = await self.conn.fetch(self._CASE + " WHERE status <> 'flagged' ORDER BY requested_at DESC")
        return [_case(row) for row in rows]

    async def save_case(self, record: CaseRecord) -> None:
        case = record.case
        history = json.dumps([[status.value, at.isoformat()] for status, at in case.history])
        await self.conn.execute(
            """INSERT INTO abnormally_low_cases (bid_id, tenant, consultation_id, lot_key, supplier_siret, bidder_name,
                   consultation_reference, consultation_title, lot_title, status, flag_reason, requested_at, deadline,
                   answered_at, answer_text, answer_document_id, answer_filename, decided_at, decision_reason, history)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
               ON CONFLICT (bid_id) DO UPDATE SET status = EXCLUDED.status, flag_reason = EXCLUDED.flag_reason,
                   requested_at = EXCLUDED.requested_at, deadline = EXCLUDED.deadline,
                   answered_at = EXCLUDED.answered_at, answer_text = EXCLUDED.answer_text,
                   answer_document_id = EXCLUDED.answer_document_id, answer_filename = EXCLUDED.answer_filename,
                   decided_at = EXCLUDED.decided_at, decision_reason = EXCLUDED.decision_reason,
                   history = EXCLUDED.history""",
            case.bid_id, record.tenant, record.consultation_id, record.lot_key, record.supplier_siret,
            record.bidder_name, record.consultation_reference, record.consultation_title, record.lot_title,
            case.status.value, case.flag_reason, case.requested_at, case.deadline, case.answered_at,
            record.answer_text, record.answer_document_id, record.answer_filename, case.decided_at,
            case.decision_reason, history)

    async def save_answer(self, record: CaseRecord) -> None:
        """The supplier's answer (its row-level security policy lets it update its requested case only)."""
        await self.conn.execute(
            """UPDATE abnormally_low_cases SET answered_at = $2, answer_text = $3, answer_document_id = $4,
                      answer_filename = $5 WHERE bid_id = $1""",
            record.bid_id, record.case.answered_at, record.answer_text, record.answer_document_id,
            record.answer_filename)

    # ------------------------------------------------------------ letters

    _LETTER = """SELECT id, tenant, consultation_id, lot_key, bid_id, supplier_siret, bidder_name, kind, subject, body,
                        document_id, consultation_reference, consultation_title, lot_title, sent_at FROM award_letters"""

    async def add_letter(self, letter: LetterRecord) -> None:
        await self.conn.execute(
            """INSERT INTO award_letters (id, tenant, consultation_id, lot_key, bid_id, supplier_siret, bidder_name,
                   kind, subject, body, document_id, consultation_reference, consultation_title, lot_title, sent_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
            letter.id, letter.tenant, letter.consultation_id, letter.lot_key, letter.bid_id, letter.supplier_siret,
            letter.bidder_name, letter.kind.value, letter.subject, letter.body, letter.document_id,
            letter.consultation_reference, letter.consultation_title, letter.lot_title, letter.sent_at)

    async def letters(self, consultation_id: uuid.UUID, key: int | None = None) -> list[LetterRecord]:
        if key is None:
            rows = await self.conn.fetch(self._LETTER + " WHERE consultation_id = $1 ORDER BY sent_at, bidder_name",
                                         consultation_id)
        else:
            rows = await self.conn.fetch(self._LETTER + " WHERE consultation_id = $1 AND lot_key = $2 "
                                         "ORDER BY kind, bidder_name", consultation_id, key)
        return [_letter(row) for row in rows]

    async def letter(self, letter_id: uuid.UUID) -> LetterRecord | None:
        row = await self.conn.fetchrow(self._LETTER + " WHERE id = $1", letter_id)
        return _letter(row) if row else None

    async def supplier_letters(self) -> list[LetterRecord]:
        """The signed-in supplier's letters (row-level security: its own only), newest first."""
        rows = await self.conn.fetch(self._LETTER + " ORDER BY sent_at DESC")
        return [_letter(row) for row in rows]

    # ------------------------------------------------------------ sans suite

    async def add_sans_suite(self, *, consultation_id: uuid.UUID, tenant: str, reason: str, detail: str,
                             explanation: str, by: str, at: datetime) -> None:
        await self.conn.execute(
            """INSERT INTO consultation_sans_suite (consultation_id, tenant, reason, detail, explanation, decided_by,
                                                    decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            consultation_id, tenant, reason, detail, explanation, by, at)

    async def sans_suite(self, consultation_id: uuid.UUID) -> dict | None:
        row = await self.conn.fetchrow("SELECT * FROM consultation_sans_suite WHERE consultation_id = $1",
                                       consultation_id)
        return dict(row) if row else None
