"""Value types used in event payloads.

Where a value ends up in the official open data (DECP 2024, schema v2.0.3), it carries
the regulated French label as its value, so that no service translates it twice.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field
from stdnum.fr import siret as stdnum_siret


@functools.lru_cache(maxsize=65536)
def _check_siret(value: str) -> str:
    # Cached: a pure check, run several times per event on a few thousand distinct SIRETs.
    # python-stdnum knows the Luhn check and the La Poste exception (SIREN 356000000).
    if not stdnum_siret.is_valid(value):
        raise ValueError("SIRET invalide : 14 chiffres attendus, clé de Luhn incorrecte")
    return stdnum_siret.compact(value)


Siret = Annotated[str, Field(min_length=14, max_length=14, pattern=r"^[0-9]{14}$"), AfterValidator(_check_siret)]
CpvCode = Annotated[str, Field(pattern=r"^[0-9]{8}(-[0-9])?$")]
# Amounts excluding VAT, in euros, exact to the cent; serialised as a JSON string so that
# no consumer goes through a binary float.
Money = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]


class PurchaseNature(StrEnum):
    WORKS = "works"
    SUPPLIES = "supplies"
    SERVICES = "services"


class Procedure(StrEnum):
    """DECP `procedure` values (code de la commande publique, procedures of passation)."""

    ADAPTED = "Procédure adaptée"
    OPEN = "Appel d'offres ouvert"
    RESTRICTED = "Appel d'offres restreint"
    NEGOTIATED = "Procédure avec négociation"
    NO_COMPETITION = "Marché passé sans publicité ni mise en concurrence préalable"
    COMPETITIVE_DIALOGUE = "Dialogue compétitif"


class PlaceCodeType(StrEnum):
    POSTAL = "Code postal"
    COMMUNE = "Code commune"
    ARRONDISSEMENT = "Code arrondissement"
    CANTON = "Code canton"
    DEPARTEMENT = "Code département"
    REGION = "Code région"
    COUNTRY = "Code pays"


class SocialConsideration(StrEnum):
    CLAUSE = "Clause sociale"
    CRITERION = "Critère social"
    RESERVED = "Marché réservé"
    NONE = "Pas de considération sociale"


class EnvironmentalConsideration(StrEnum):
    CLAUSE = "Clause environnementale"
    CRITERION = "Critère environnemental"
    NONE = "Pas de considération environnementale"


class Ccag(StrEnum):
    WORKS = "Travaux"
    PROJECT_MANAGEMENT = "Maitrise d'œuvre"
    SUPPLIES_AND_SERVICES = "Fournitures courantes et services"
    INDUSTRIAL = "Marchés industriels"
    INTELLECTUAL = "Prestations intellectuelles"
    ICT = "Techniques de l'information et de la communication"
    NONE = "Pas de CCAG"


class PriceForm(StrEnum):
    UNIT = "Unitaire"
    LUMP_SUM = "Forfaitaire"
    MIXED = "Mixte"


class PriceType(StrEnum):
    FIRM = "Définitif ferme"
    ADJUSTABLE = "Définitif actualisable"
    REVISABLE = "Définitif révisable"
    PROVISIONAL = "Provisoire"


class PurchaseTechnique(StrEnum):
    FRAMEWORK = "Accord-cadre"
    DESIGN_CONTEST = "Concours"
    QUALIFICATION_SYSTEM = "Système de qualification"
    DYNAMIC_PURCHASING = "Système d'acquisition dynamique"
    CATALOGUE = "Catalogue électronique"
    AUCTION = "Enchère électronique"
    NONE = "Sans objet"


class ExecutionMode(StrEnum):
    TRANCHES = "Tranches"
    PURCHASE_ORDERS = "Bons de commande"
    SUBSEQUENT_CONTRACTS = "Marchés subséquents"
    NONE = "Sans objet"


class OperatorGrouping(StrEnum):
    JOINT = "Conjoint"
    JOINT_AND_SEVERAL = "Solidaire"
    NONE = "Pas de groupement"
