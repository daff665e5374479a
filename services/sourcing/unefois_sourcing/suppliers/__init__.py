"""Supplier directory: public company data (SIRENE) by SIRET, searchable by name, CPV interest and commune.

domain.py (rows, size categories), repository.py (queries), import_sirene.py (the import
command), api.py (the /api/suppliers router)."""
