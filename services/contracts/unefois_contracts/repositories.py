"""The repositories a unit of work of the contracts service gives (`uow.repos`)."""

from __future__ import annotations

from dataclasses import dataclass

from unefois_contracts.contracts.repository import ContractRepository


@dataclass
class Repositories:
    contracts: ContractRepository

    @classmethod
    def on(cls, conn) -> Repositories:
        """Every area's repository, on the unit of work's connection."""
        return cls(contracts=ContractRepository(conn))
