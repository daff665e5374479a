"""The cases of art. R2122-1 to R2122-11 (marchés passés sans publicité ni mise en concurrence
préalables) the platform checked against their text, with what each requires.

Each entry says which natures and which buyers the article covers and the conditions the buyer
must be able to justify (the DAJ: these cases « doivent s'interpréter strictement » and the buyer
must be able to justify that their conditions are met). The engine does not check the facts of
the case: it requires the buyer's recorded reason, warns with the conditions, and refuses an
article it could not check (`UNVERIFIED`) rather than guess.

Sources (read in November-December 2026 through copies of the code: code-commande-publique.com,
marche-public.fr, juriblio.fr, french-business-law.com, and the DAJ fiche « Les marchés sans
publicité ni mise en concurrence préalables »):
- R2122-1 urgence impérieuse (its opening read: « lorsqu'une urgence impérieuse résultant de
  circonstances extérieures ... »; the rest of the conditions as the DAJ fiche states them);
  R2122-2 procédure infructueuse (as amended by décrets 2019-748 and
  2021-357); R2122-3 opérateur déterminé; R2122-4 livraisons complémentaires, matières premières
  cotées; R2122-5 conditions particulièrement avantageuses; R2122-7 prestations similaires;
  R2122-8 valeur (the engine's dated table); R2122-10 produits fabriqués à des fins de recherche
  (pouvoir adjudicateur); R2122-11 1° (entité adjudicatrice, recherche): texts read.
- R2122-6 (lauréats d'un concours): only its gist, through the DAJ fiche (« marchés de services
  attribués à l'un des lauréats d'un concours en application de l'article R. 2122-6 »).
- R2122-9 (livres non scolaires): its operative sentence, as quoted by cartoap.fr: « Les acheteurs
  (...) peuvent passer sans publicité ni mise en concurrence préalables un marché de fournitures de
  livres non scolaires (...) dont la valeur estimée est inférieure à 90 000 euros hors taxes », for
  the buyers of art. 3, 1° and 2°, of loi n° 81-766 (State, local authorities, teaching, training
  and research establishments for their own needs; bodies running public libraries for their
  collections). The 90 000 is checked by value, not dated (one quote only).
- R2122-11 2° onwards: their text could not be read: not advised.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from unefois_events.catalogue import BuyerKind
from unefois_events.values import PurchaseNature

ALL_NATURES = frozenset(PurchaseNature)
SUPPLIES = frozenset({PurchaseNature.SUPPLIES})
SERVICES = frozenset({PurchaseNature.SERVICES})
WORKS_SERVICES = frozenset({PurchaseNature.WORKS, PurchaseNature.SERVICES})
SUPPLIES_SERVICES = frozenset({PurchaseNature.SUPPLIES, PurchaseNature.SERVICES})
# Book I buyers. Defence contracts have their own cases (R2322-1 ff.), not checked: not advised.
CONTRACTING_AUTHORITIES = frozenset({BuyerKind.STATE, BuyerKind.LOCAL})  # pouvoirs adjudicateurs
CONTRACTING_ENTITIES = frozenset({BuyerKind.UTILITY})  # entités adjudicatrices
BOOK_ONE_BUYERS = CONTRACTING_AUTHORITIES | CONTRACTING_ENTITIES

NOT_ADVISED = "la plateforme ne conseille pas ce cas"


@dataclass(frozen=True)
class Exemption:
    article: str  # "R2122-1"
    label: str  # French, short
    requires: str  # French: what the buyer must be able to justify
    natures: frozenset[PurchaseNature]
    buyer_kinds: frozenset[BuyerKind]
    by_value: bool = False  # R2122-8: decided by the dated threshold, not by a reason
    value_below: Decimal | None = None  # a ceiling the article sets (R2122-9: < 90 000 € HT)


EXEMPTIONS: dict[str, Exemption] = {e.article: e for e in (
    Exemption("R2122-1", "Urgence impérieuse",
              "une urgence impérieuse résultant de circonstances extérieures que l'acheteur ne pouvait pas prévoir "
              "et qui ne lui sont pas imputables, ne permettant pas de respecter les délais minimaux des procédures "
              "formalisées ; le marché est limité aux prestations strictement nécessaires pour y faire face",
              ALL_NATURES, BOOK_ONE_BUYERS),
    Exemption("R2122-2", "Procédure précédente infructueuse",
              "aucune candidature ou aucune offre déposée dans les délais, ou seulement des candidatures irrecevables "
              "(art. R2144-7) ou des offres inappropriées (art. L2152-4), en réponse à un appel d'offres d'un pouvoir "
              "adjudicateur, à une procédure formalisée d'une entité adjudicatrice, à un marché sous les seuils de "
              "procédure formalisée ou à un marché de l'art. R2123-1, 3° ; les conditions initiales du marché ne sont "
              "pas substantiellement modifiées ; au-dessus du seuil européen, un rapport est communiqué à la "
              "Commission européenne si elle le demande",
              ALL_NATURES, BOOK_ONE_BUYERS),
    Exemption("R2122-3", "Opérateur économique déterminé",
              "les travaux, fournitures ou services ne peuvent être fournis que par un opérateur économique déterminé : "
              "œuvre d'art ou performance artistique unique, raisons techniques, ou droits d'exclusivité (notamment "
              "de propriété intellectuelle) ; pour les raisons techniques et les droits d'exclusivité, seulement "
              "lorsqu'il n'existe aucune solution de remplacement raisonnable et que l'absence de concurrence ne "
              "résulte pas d'une restriction artificielle des caractéristiques du marché",
              ALL_NATURES, BOOK_ONE_BUYERS),
    Exemption("R2122-4", "Livraisons complémentaires ou matières premières cotées",
              "marché de fournitures : soit des livraisons complémentaires du fournisseur initial (renouvellement "
              "partiel ou extension de fournitures ou d'installations existantes) lorsque changer de fournisseur "
              "imposerait des fournitures techniquement différentes, incompatibles ou aux difficultés d'utilisation et "
              "d'entretien disproportionnées, pour trois ans au plus, reconductions comprises, sauf cas dûment justifié, "
              "lorsqu'il est passé par un pouvoir adjudicateur ; soit l'achat de matières premières cotées et achetées "
              "en bourse",
              SUPPLIES, BOOK_ONE_BUYERS),
    Exemption("R2122-5", "Conditions particulièrement avantageuses",
              "achat de fournitures ou de services dans des conditions particulièrement avantageuses auprès d'un "
              "opérateur en cessation définitive d'activité, ou, sous réserve de l'art. L2141-3, soumis à une "
              "procédure du livre VI du code de commerce (hors titre Ier) ou à une procédure de même nature d'un autre "
              "État ; l'achat répond à un réel besoin de l'acheteur",
              SUPPLIES_SERVICES, BOOK_ONE_BUYERS),
    Exemption("R2122-6", "Lauréat d'un concours",
              "marché de services attribué à l'un des lauréats d'un concours (vérifié d'après la fiche de la DAJ, "
              "non sur le texte de l'article : vérifier les conditions de l'art. R2122-6)",
              SERVICES, BOOK_ONE_BUYERS),
    Exemption("R2122-7", "Prestations similaires",
              "marché de travaux ou de services confiant au titulaire d'un marché précédent, passé après mise en "
              "concurrence, des prestations similaires ; le premier marché indiquait cette possibilité et sa mise en "
              "concurrence a pris en compte le montant total envisagé, nouveaux travaux ou services compris ; pour "
              "un pouvoir adjudicateur, dans les trois ans suivant la notification du marché initial",
              WORKS_SERVICES, BOOK_ONE_BUYERS),
    Exemption("R2122-8", "Valeur estimée sous le seuil de dispense",
              "valeur estimée du besoin inférieure au seuil en vigueur à la date de lancement ; l'acheteur choisit une "
              "offre pertinente, fait une bonne utilisation des deniers publics et ne contracte pas systématiquement "
              "avec un même opérateur lorsqu'il existe plusieurs offres susceptibles de répondre au besoin",
              ALL_NATURES, BOOK_ONE_BUYERS, by_value=True),
    Exemption("R2122-9", "Livres non scolaires",
              "marché de fournitures de livres non scolaires d'une valeur estimée inférieure à 90 000 € HT, passé par "
              "l'un des acheteurs de l'art. 3, 1° et 2°, de la loi n° 81-766 du 10 août 1981 (État, collectivités "
              "territoriales, établissements d'enseignement, de formation ou de recherche pour leurs besoins propres ; "
              "personnes gérant des bibliothèques accueillant du public pour leurs collections) ; l'acheteur tient "
              "compte du maintien d'un réseau dense de détaillants et ne contracte pas systématiquement avec le même "
              "opérateur",
              SUPPLIES, BOOK_ONE_BUYERS, value_below=Decimal(90000)),
    Exemption("R2122-10", "Produits fabriqués à des fins de recherche (pouvoir adjudicateur)",
              "achat par un pouvoir adjudicateur de produits fabriqués uniquement à des fins de recherche, "
              "d'expérimentation, d'étude ou de développement, sans objectif de rentabilité ou d'amortissement des "
              "coûts de recherche et de développement",
              SUPPLIES, CONTRACTING_AUTHORITIES),
    Exemption("R2122-11", "Recherche, expérimentation, étude ou développement (entité adjudicatrice)",
              "marché d'une entité adjudicatrice à des fins de recherche, d'expérimentation, d'étude ou de "
              "développement, sans objectif de rentabilité ou d'amortissement des coûts, ne portant pas préjudice à la "
              "mise en concurrence des marchés ultérieurs poursuivant ces objectifs (1° ; les autres cas de l'article "
              "n'ont pas été vérifiés par la plateforme, qui ne les conseille pas)",
              ALL_NATURES, CONTRACTING_ENTITIES),
)}

# Articles of the range whose text the platform could not read: refused with NOT_ADVISED.
UNVERIFIED: dict[str, str] = {}


def exemption_for(article: str) -> Exemption | None:
    """The checked case of this article, or None (unknown or unverified: the platform does not advise it)."""
    return EXEMPTIONS.get(article)
