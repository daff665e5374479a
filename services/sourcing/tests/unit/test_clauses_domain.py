"""Picked clauses decide the DECP considerations; a clause's consideration matches its kind."""

import uuid

import pytest

from unefois_events.values import EnvironmentalConsideration as Env
from unefois_events.values import SocialConsideration as Social
from unefois_kernel.domain_errors import DomainError
from unefois_sourcing.clauses.domain import (
    Clause, ClauseKind, ClausePick, check_all_found, check_consideration, considerations, new_clause,
)


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


def test_a_consideration_belongs_to_its_kind():
    check_consideration("social", "Marché réservé")
    check_consideration("environmental", "Critère environnemental")
    with pytest.raises(DomainError) as refused:
        check_consideration("social", "Clause environnementale")
    assert refused.value.field == "consideration"
    assert refused.value.detail == "pour une clause social, choisir parmi Clause sociale, Critère social, Marché réservé"
    with pytest.raises(DomainError):
        new_clause(tenant="21000003000010", kind="environmental", consideration="Clause sociale", title="Tri",
                   body="Le titulaire trie ses déchets.")


def test_a_buyers_clause_is_its_own_and_the_platforms_are_shared():
    own = new_clause(tenant="21000003000010", kind="social", consideration="Clause sociale", title="Apprentis",
                     body="Deux apprentis pendant le marché.")
    assert (own.kind, own.shared, own.pick) == (ClauseKind.SOCIAL, False, ClausePick("social", "Clause sociale"))
    assert own.text().clause_id == own.id and own.text().body == own.body
    assert Clause(uuid.uuid4(), None, ClauseKind.SOCIAL, "Clause sociale", "t", "b").shared


def test_an_unknown_clause_is_named():
    known = new_clause(tenant="21000003000010", kind="social", consideration="Clause sociale", title="Apprentis",
                       body="Deux apprentis pendant le marché.")
    check_all_found([known.id], [known])
    stranger = uuid.UUID(int=7)
    with pytest.raises(DomainError) as refused:
        check_all_found([known.id, stranger], [known])
    assert refused.value.field == "clause_ids" and str(stranger) in refused.value.detail
