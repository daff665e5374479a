"""What the records area shows.

The public API answers the official DECP format itself (a document `{"marches": {"marche":
[...]}}`, or one `marche`), as the schema of `reference/` defines it, not a model of ours: its
responses stay plain JSON objects. The pages' tables are built here, from the records.
"""

from __future__ import annotations

from unefois_kernel.web import format_date, format_euros
from unefois_opendata.records.domain import DecpRecord, buyer_label

# The table of published records (components.html `table`): (header, sort key) or a header.
COLUMNS = [("Marché", "numero"), ("Objet", "objet"), ("Acheteur", "acheteur"), "Titulaire (SIRET)",
           ("Montant (HT)", "montant"), ("Notifié le", "notification")]
# A buyer's own page has no buyer column.
BUYER_COLUMNS = [column for column in COLUMNS if column != ("Acheteur", "acheteur")]


def record_row(record: DecpRecord, *, with_buyer: bool = True) -> list:
    """A table row of one DECP record (components.html table cells)."""
    marche = record.record
    cells: list = [marche.get("id", ""), marche.get("objet", "")]
    if with_buyer:
        cells.append({"text": buyer_label(record.buyer_siret, record.buyer_name),
                      "url": f"/acheteurs/{record.buyer_siret}"})
    cells += [
        ", ".join(entry.get("titulaire", {}).get("id", "") for entry in marche.get("titulaires", [])),
        format_euros(marche.get("montant")),
        format_date(record.notified_on),
    ]
    return cells
