"""Contracts (marchés): prepared from an award, read by buyers and holders, notified by the buyer."""
