"""DECP records: one per notified contract, built and checked against the official schema,
published through the public API and pages (the home and each buyer's page)."""
