"""The repositories a unit of work gives the use cases (`uow.repos`), one per area, on one connection."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from unefois_invoicing.commitments.repository import CommitmentRepository
from unefois_invoicing.invoices.repository import InvoiceRepository


@dataclass
class Repositories:
    commitments: CommitmentRepository
    invoices: InvoiceRepository

    @classmethod
    def on(cls, conn: asyncpg.Connection) -> Repositories:
        return cls(commitments=CommitmentRepository(conn), invoices=InvoiceRepository(conn))
