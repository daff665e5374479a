"""The clause library (pure): which DECP consideration a clause of each kind may set, and from
picked clauses to the need's DECP considerations, so nobody types them again."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from unefois_events.catalogue import ClauseText
from unefois_events.values import EnvironmentalConsideration, SocialConsideration
from unefois_kernel.domain_errors import DomainError


class ClauseKind(StrEnum):
    SOCIAL = "social"
    ENVIRONMENTAL = "environmental"


# The DECP value a clause of each kind may set (migration 0005 checks the same pairs).
CONSIDERATIONS: Mapping[ClauseKind, frozenset[str]] = {
    ClauseKind.SOCIAL: frozenset({"Clause sociale", "Critère social", "Marché réservé"}),
    ClauseKind.ENVIRONMENTAL: frozenset({"Clause environnementale", "Critère environnemental"}),
}


def check_consideration(kind: str, consideration: str) -> None:
    """A clause's consideration is one its kind may set (422 on `consideration`)."""
    allowed = CONSIDERATIONS[ClauseKind(kind)]
    if consideration not in allowed:
        raise DomainError(f"pour une clause {kind}, choisir parmi {', '.join(sorted(allowed))}", field="consideration")


@dataclass(frozen=True)
class ClausePick:
    kind: str  # "social" | "environmental"
    consideration: str


@dataclass(frozen=True)
class Clause:
    """A clause template: the platform's (tenant None, shared with every buyer) or a buyer's own."""

    id: uuid.UUID
    tenant: str | None
    kind: ClauseKind
    consideration: str
    title: str
    body: str

    @property
    def shared(self) -> bool:
        return self.tenant is None

    @property
    def pick(self) -> ClausePick:
        return ClausePick(self.kind.value, self.consideration)

    def text(self) -> ClauseText:
        """What the need carries of it to the consultation."""
        return ClauseText(clause_id=self.id, kind=self.kind.value, title=self.title, body=self.body)


def new_clause(*, tenant: str, kind: str, consideration: str, title: str, body: str) -> Clause:
    """A buyer's own clause template (its consideration checked against its kind)."""
    check_consideration(kind, consideration)
    return Clause(id=uuid.uuid4(), tenant=tenant, kind=ClauseKind(kind), consideration=consideration, title=title,
                  body=body)


def check_all_found(asked: Collection[uuid.UUID], found: Sequence[Clause]) -> None:
    """Every clause a need picks is in the library (422 on `clause_ids`, naming the first unknown one)."""
    unknown = set(asked) - {clause.id for clause in found}
    if unknown:
        raise DomainError(f"clause inconnue : {sorted(map(str, unknown))[0]}", field="clause_ids")


def considerations(
    picks: list[ClausePick],
    typed_social: list[SocialConsideration] | None = None,
    typed_environmental: list[EnvironmentalConsideration] | None = None,
) -> tuple[list[SocialConsideration], list[EnvironmentalConsideration]]:
    """The DECP lists: what the clauses set, plus what the buyer ticked; the "none" value
    only when nothing else applies (the national consolidation sets aside a record that
    lists "Pas de considération ..." beside a real one)."""
    social = {SocialConsideration(p.consideration) for p in picks if p.kind == "social"}
    social |= {c for c in typed_social or () if c is not SocialConsideration.NONE}
    environmental = {EnvironmentalConsideration(p.consideration) for p in picks if p.kind == "environmental"}
    environmental |= {c for c in typed_environmental or () if c is not EnvironmentalConsideration.NONE}
    return (
        sorted(social, key=list(SocialConsideration).index) or [SocialConsideration.NONE],
        sorted(environmental, key=list(EnvironmentalConsideration).index) or [EnvironmentalConsideration.NONE],
    )
