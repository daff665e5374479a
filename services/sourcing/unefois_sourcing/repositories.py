"""The repositories a sourcing unit of work gives its use cases (`uow.repos`), one per area,
all on the unit of work's connection (one transaction). Each table has one owner:

    needs      needs, tenant_profiles (the buyer's kind decides the thresholds)
    research   market_research, quotes, shortlist
    clauses    clauses
    suppliers  suppliers (platform-wide; the bulk import, suppliers/import_sirene.py, writes it)
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from unefois_sourcing.clauses.repository import ClausesRepository
from unefois_sourcing.needs.repository import NeedsRepository
from unefois_sourcing.research.repository import ResearchRepository
from unefois_sourcing.suppliers.repository import SuppliersRepository


@dataclass
class Repositories:
    needs: NeedsRepository
    research: ResearchRepository
    clauses: ClausesRepository
    suppliers: SuppliersRepository

    @classmethod
    def on(cls, conn: asyncpg.Connection) -> Repositories:
        return cls(needs=NeedsRepository(conn), research=ResearchRepository(conn), clauses=ClausesRepository(conn),
                   suppliers=SuppliersRepository(conn))
