"""The operators' command `python -m unefois_kernel.sessions revoke --subject ...`: which
databases it writes to, and what it refuses (the writing itself: tests/e2e/test_e2e_token_handling)."""

import pytest

from unefois_kernel import sessions


def test_every_service_database_of_the_environment_is_a_target():
    environ = {"UNEFOIS_SOURCING_DATABASE_URL": "postgresql://s", "UNEFOIS_OPENDATA_DATABASE_URL": "postgresql://o",
               "UNEFOIS_SOURCING_HTTP_PORT": "8001", "UNEFOIS_TENDERING_DATABASE_URL": "", "DATABASE_URL": "x"}
    assert sessions.databases_from_environment(environ) == {"opendata": "postgresql://o", "sourcing": "postgresql://s"}


def test_without_a_database_or_with_an_empty_subject_it_stops_and_says_why(monkeypatch, capsys):
    for name in [name for name in __import__("os").environ if name.endswith("_DATABASE_URL")]:
        monkeypatch.delenv(name)
    with pytest.raises(SystemExit) as stopped:
        sessions.main(["revoke", "--subject", "u1"])
    assert stopped.value.code == 2 and "aucune base" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        sessions.main(["revoke", "--subject", "  ", "--database-url", "postgresql://x"])
    assert "--subject" in capsys.readouterr().err


def test_an_unreachable_database_is_named_and_fails_the_command(capsys):
    code = sessions.main(["revoke", "--subject", "u1", "--database-url", "postgresql://nobody:x@127.0.0.1:1/none"])
    assert code == 1
    assert "base 1 : injoignable" in capsys.readouterr().out
