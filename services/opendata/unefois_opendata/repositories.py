"""The repositories a unit of work gives the opendata use cases (`uow.repos`), on one connection."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from unefois_opendata.invoices.repository import InvoiceRepository
from unefois_opendata.records.repository import RecordRepository


@dataclass
class Repositories:
    records: RecordRepository
    invoices: InvoiceRepository

    @classmethod
    def on(cls, conn: asyncpg.Connection) -> Repositories:
        return cls(records=RecordRepository(conn), invoices=InvoiceRepository(conn))
