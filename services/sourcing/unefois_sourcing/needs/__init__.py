"""Needs (besoins): what a buyer enters once, checked against the reference data and the
procedure rules, submitted, returned or approved; its approval publishes NeedApproved."""
