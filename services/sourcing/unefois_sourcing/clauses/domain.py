"""From picked clauses to the need's DECP considerations (pure): nobody types them again."""

from __future__ import annotations

from dataclasses import dataclass

from unefois_events.values import EnvironmentalConsideration, SocialConsideration


@dataclass(frozen=True)
class ClausePick:
    kind: str  # "social" | "environmental"
    consideration: str


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
