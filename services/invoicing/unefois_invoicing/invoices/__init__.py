"""Invoices: deposited by a holder against a commitment, each once, never past its ceiling."""
