"""Supplier directory: public company data (SIRENE) by SIRET, searchable by name, CPV interest and commune.

domain.py (rows, size categories, search criteria), repository.py (queries), service.py (search,
read one), views.py, api.py (/api/suppliers), web.py (/fournisseurs); import_sirene.py is the
operator's bulk import command, synthetic.py generates SIRENE files for tests and benchmarks."""
