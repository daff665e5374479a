"""Commitments (engagements): one per notified contract, the ceiling its invoices are matched against."""
