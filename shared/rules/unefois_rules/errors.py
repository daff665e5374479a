"""Errors of the rules engine: each names the input field concerned (422 in the API)."""

from __future__ import annotations

from unefois_kernel.domain_errors import DomainError


class RulesError(DomainError):
    """Input the rules engine cannot decide on; `field` names the input concerned."""


class UnknownThresholdError(RulesError):
    """No row of the dated table covers the launch date: the engine refuses to guess."""
