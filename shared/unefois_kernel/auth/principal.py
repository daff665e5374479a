"""Who is calling: a verified identity with its roles and organisation.

Token claims (the contract with the issuer; ProConnect/Keycloak map to it by configuration):
  sub        stable user id
  name       display name
  email      optional
  roles      list of: buyer, buyer-approver, supplier, operator
  org_siret  the user's organisation (a buyer for buyer roles, a company for supplier)
  org_name   its name
  org_kind   "buyer" | "supplier" | "platform"
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BUYER = "buyer"
    BUYER_APPROVER = "buyer-approver"
    SUPPLIER = "supplier"
    OPERATOR = "operator"


BUYER_ROLES = frozenset({Role.BUYER, Role.BUYER_APPROVER})


class OrgKind(StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"
    PLATFORM = "platform"


@dataclass(frozen=True)
class Principal:
    subject: str
    name: str
    roles: frozenset[Role]
    org_siret: str | None
    org_name: str | None
    org_kind: OrgKind
    email: str | None = None

    def has_any(self, roles) -> bool:
        return bool(self.roles & set(roles))

    @property
    def tenant(self) -> str | None:
        """The buyer SIRET whose data this user works on (None for suppliers and operators)."""
        if self.org_kind is OrgKind.BUYER and self.has_any(BUYER_ROLES):
            return self.org_siret
        return None

    @property
    def supplier_siret(self) -> str | None:
        if self.org_kind is OrgKind.SUPPLIER and Role.SUPPLIER in self.roles:
            return self.org_siret
        return None

    @property
    def actor(self) -> str:
        """How the audit trail names this user."""
        return f"{self.name} <{self.subject}>"

    @property
    def role_label(self) -> str:
        labels = {
            Role.BUYER_APPROVER: "Acheteur valideur",
            Role.BUYER: "Acheteur",
            Role.SUPPLIER: "Fournisseur",
            Role.OPERATOR: "Exploitant",
        }
        for role, label in labels.items():
            if role in self.roles:
                return label
        return "Utilisateur"
