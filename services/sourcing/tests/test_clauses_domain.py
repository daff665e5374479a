"""Picked clauses decide the DECP considerations."""

from unefois_events.values import EnvironmentalConsideration as Env
from unefois_events.values import SocialConsideration as Social
from unefois_sourcing.clauses.domain import ClausePick, considerations


def test_no_pick_means_no_consideration():
    assert considerations([]) == ([Social.NONE], [Env.NONE])


def test_picks_set_the_decp_values_without_the_none_marker():
    picks = [ClausePick("social", "Clause sociale"), ClausePick("environmental", "Critère environnemental"),
             ClausePick("social", "Clause sociale")]
    assert considerations(picks, [Social.NONE], [Env.NONE]) == ([Social.CLAUSE], [Env.CRITERION])


def test_typed_values_join_the_picks_in_the_decp_order():
    social, environmental = considerations([ClausePick("social", "Marché réservé")], [Social.CLAUSE], [])
    assert social == [Social.CLAUSE, Social.RESERVED]
    assert environmental == [Env.NONE]
