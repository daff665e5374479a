"""The only SQL on the DCE tables (migration 0013): files and versions, amendments, withdrawals."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_tendering.documents.domain import Amendment, DceDocument, Download

_DOC_COLUMNS = ("id, tenant, consultation_id, document_id, title, filename, size, sha256, media_type, lineage, "
                "version, added_at, amendment_id, replaced_by, replaced_at")
_DOWNLOAD_COLUMNS = ("id, tenant, consultation_id, dce_document_id, supplier_siret, supplier_name, person, "
                     "person_name, email, downloaded_at")


class DceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add_document(self, document: DceDocument) -> None:
        await self.conn.execute(
            f"INSERT INTO dce_documents ({_DOC_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
            document.id, document.tenant, document.consultation_id, document.document_id, document.title,
            document.filename, document.size, document.sha256, document.media_type, document.lineage,
            document.version, document.added_at, document.amendment_id, document.replaced_by, document.replaced_at)

    async def mark_replaced(self, document_id: uuid.UUID, *, by: uuid.UUID, at) -> None:
        await self.conn.execute("UPDATE dce_documents SET replaced_by = $2, replaced_at = $3 WHERE id = $1",
                                document_id, by, at)

    async def documents(self, consultation_id: uuid.UUID) -> list[DceDocument]:
        rows = await self.conn.fetch(
            f"SELECT {_DOC_COLUMNS} FROM dce_documents WHERE consultation_id = $1 ORDER BY added_at, version",
            consultation_id)
        return [DceDocument(**dict(row)) for row in rows]

    async def lock(self, consultation_id: uuid.UUID) -> None:
        """Serialise the DCE changes of one consultation (its versions and total)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 13))", str(consultation_id))

    async def add_amendment(self, amendment: Amendment) -> None:
        await self.conn.execute(
            "INSERT INTO dce_amendments (id, tenant, consultation_id, description, created_at, created_by) "
            "VALUES ($1, $2, $3, $4, $5, $6)", amendment.id, amendment.tenant, amendment.consultation_id,
            amendment.description, amendment.created_at, amendment.created_by)

    async def amendments(self, consultation_id: uuid.UUID) -> list[Amendment]:
        rows = await self.conn.fetch(
            "SELECT id, tenant, consultation_id, description, created_at, created_by FROM dce_amendments "
            "WHERE consultation_id = $1 ORDER BY created_at", consultation_id)
        return [Amendment(**dict(row)) for row in rows]

    async def add_download(self, download: Download) -> None:
        await self.conn.execute(
            f"INSERT INTO dce_downloads ({_DOWNLOAD_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            download.id, download.tenant, download.consultation_id, download.dce_document_id, download.supplier_siret,
            download.supplier_name, download.person, download.person_name, download.email, download.downloaded_at)

    async def downloads(self, consultation_id: uuid.UUID, *, supplier_siret: str | None = None) -> list[Download]:
        """The withdrawals of a consultation (those of one supplier if named), newest first."""
        rows = await self.conn.fetch(
            f"SELECT {_DOWNLOAD_COLUMNS} FROM dce_downloads WHERE consultation_id = $1 "
            "AND ($2::text IS NULL OR supplier_siret = $2) ORDER BY downloaded_at DESC, id", consultation_id,
            supplier_siret)
        return [Download(**dict(row)) for row in rows]
