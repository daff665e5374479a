"""Use cases of the consultations' key pairs: created at publication, published, unwrapped only
by the opening after the bid deadline by the service clock (issue 11, item 5).

- `create_keys_for(uow, consultation_id, custody)`: a step of the publication, called inside
  its open unit of work (a publication that rolls back leaves no key); idempotent.
- `public_key_of(uow, consultation_id)`: a use case (it opens the unit of work it is given):
  what suppliers seal for (any reader, anonymous too).
- `unwrap_for_opening(uow, consultation_id, custody, deadline)`: a step of the opening, inside
  its open unit of work (the audit entry commits with the opening): the consultation's private
  key; refused before the deadline whoever asks (operators included: there is no role test
  here, only the clock), and every unwrap lands in the audit trail.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.uow import UnitOfWork

from unefois_tendering.bids.custody import CustodyRefused, KeyCustody
from unefois_tendering.bids.domain import (
    ConsultationKey,
    PublishedKey,
    generate_consultation_keypair,
    public_key_fingerprint,
    public_key_jwk,
    public_key_pem,
)

KEYS_CREATED = "consultation.keys_created"
PRIVATE_KEY_UNWRAPPED = "consultation.private_key_unwrapped"


def _paris(at: datetime) -> str:
    return at.astimezone(PLATFORM_TZ).strftime("%d/%m/%Y à %H:%M")


async def create_keys_for(uow: UnitOfWork, consultation_id: uuid.UUID, custody: KeyCustody) -> PublishedKey:
    """The consultation's key pair, created once (a second call returns the same public key)."""
    existing = await uow.repos.consultation_keys.get(consultation_id)
    if existing is not None:
        return existing.published
    if not uow.tenant:
        raise ValueError("a consultation's keys belong to its buyer: the unit of work has no tenant")
    pair = generate_consultation_keypair()
    public = pair.public_key
    published = PublishedKey(consultation_id=consultation_id, tenant=uow.tenant, public_key_pem=public_key_pem(public),
                             public_key_jwk=public_key_jwk(public), fingerprint=public_key_fingerprint(public),
                             created_at=uow.clock.now())
    wrapped = custody.wrap_private_key(consultation_id, pair.private_key)
    await uow.repos.consultation_keys.add(ConsultationKey(published=published, custody=custody.name,
                                                          wrapped_private_key=wrapped))
    uow.audit("consultation", consultation_id, KEYS_CREATED, {"fingerprint": published.fingerprint,
                                                              "custody": custody.name})
    return published


async def public_key_of(uow: UnitOfWork, consultation_id: uuid.UUID) -> PublishedKey:
    async with uow:
        key = await uow.repos.consultation_keys.public_key_of(consultation_id)
    if key is None:
        raise NotFound("Cette consultation n’a pas de clé publique : elle n’est pas publiée.", field="consultation_id")
    return key


async def unwrap_for_opening(uow: UnitOfWork, consultation_id: uuid.UUID, custody: KeyCustody, deadline: datetime,
                             now: datetime | None = None) -> ec.EllipticCurvePrivateKey:
    """The consultation's private key, for the opening. `deadline`: the consultation's stored bid
    deadline; `now` defaults to (and, from a use case, is) the service clock's instant."""
    now = now or uow.clock.now()
    if now < deadline:
        raise DomainError(
            f"Les plis ne peuvent pas être ouverts avant la date limite de remise des offres "
            f"({_paris(deadline)}, heure de Paris) : ils restent chiffrés jusque-là, quel que soit le demandeur.",
            field="bid_deadline", status=409)
    key = await uow.repos.consultation_keys.get(consultation_id)
    if key is None:
        raise NotFound("Cette consultation n’a pas de clé : elle n’a pas été publiée.", field="consultation_id")
    if key.custody != custody.name:
        raise DomainError(f"La clé de cette consultation est gardée par « {key.custody} », "
                          f"pas par « {custody.name} » : l’ouverture est impossible ici.",
                          field="consultation_key", status=409)
    try:
        private_key = custody.unwrap_private_key(consultation_id, key.wrapped_private_key)
    except CustodyRefused as error:
        raise DomainError("La clé de cette consultation ne peut pas être déchiffrée par la garde des clés du "
                          "service (clé de chiffrement des clés différente ou donnée altérée) : "
                          "prévenez l’exploitant.", field="consultation_key", status=409) from error
    uow.audit("consultation", consultation_id, PRIVATE_KEY_UNWRAPPED,
              {"fingerprint": key.published.fingerprint, "custody": custody.name,
               "bid_deadline": deadline.isoformat(), "at": now.isoformat()}, tenant=key.published.tenant)
    return private_key
