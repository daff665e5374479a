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

Bid deposits (issue 11, item 4), each a use case opening the unit of work it is given, for a
signed-in supplier (its principal's `supplier_siret`): `begin_deposit`, `add_part` (a sealed
part streamed through the storage port), `complete_deposit` (the receipt, replacement, « hors
délai », notify()), `my_deposits`, `deposit_of`, `receipt_of`; for the buyer, `register`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.notifications import notify
from unefois_kernel.storage import PDF, MiB, StoredDocument, chunks_of
from unefois_kernel.uow import UnitOfWork

from unefois_tendering.bids import domain as bids
from unefois_tendering.bids.custody import CustodyRefused, KeyCustody
from unefois_tendering.bids.domain import (
    DEPOSIT_STATUS_LABELS,
    ConsultationKey,
    Deposit,
    DepositPart,
    DepositStatus,
    PartRole,
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


# --- Bid deposits --------------------------------------------------------------------------

DEPOSIT_BEGUN = "bid_deposit.begun"
DEPOSIT_PART_ADDED = "bid_deposit.part_added"
DEPOSIT_RECEIVED = "bid_deposit.received"
DEPOSIT_LATE = "bid_deposit.late"
DEPOSIT_REPLACED = "bid_deposit.replaced"
MAX_RECEIPT_BYTES = 5 * MiB
ReceiptRenderer = Callable[[Deposit], bytes]  # the receipt as a PDF (views.receipt_pdf)


def _supplier(uow: UnitOfWork) -> str:
    principal = uow.principal
    siret = principal.supplier_siret if principal is not None else None
    if not siret:
        raise DomainError("Seul un fournisseur connecté peut déposer une offre.", field="principal", status=403)
    return siret


async def _own(uow: UnitOfWork, deposit_id: uuid.UUID, *, for_update: bool = False) -> Deposit:
    """The supplier's own deposit (row-level security shows no other; checked here as well)."""
    siret = _supplier(uow)
    deposit = await uow.repos.deposits.get(deposit_id, for_update=for_update)
    if deposit is None or deposit.supplier_siret != siret:
        raise NotFound("Ce dépôt n’existe pas ou n’est pas le vôtre.", field="deposit_id")
    return deposit


async def _target(uow: UnitOfWork, consultation_id: uuid.UUID) -> bids.DepositTarget:
    consultation = await uow.repos.consultations.get(consultation_id)
    if consultation is None:
        raise NotFound("Cette consultation n’existe pas ou n’est pas publiée.", field="consultation_id")
    return bids.deposit_target(consultation)


async def begin_deposit(uow: UnitOfWork, consultation_id: uuid.UUID, *, lot_number: int | None,
                        backup: bool = False) -> Deposit:
    """Begin a deposit (or a backup copy's): the server's timestamp, refused at or after the deadline."""
    siret = _supplier(uow)
    async with uow:
        key = await uow.repos.consultation_keys.public_key_of(consultation_id)  # anyone may read it
        if key is None:
            raise NotFound("Cette consultation n’est pas publiée : elle ne reçoit pas d’offres.",
                           field="consultation_id")
        # Published (it has a public key): the supplier may write its deposit in that buyer's tenant.
        await uow.act_for_buyer(key.tenant)
        target = await _target(uow, consultation_id)
        principal = uow.principal
        deposit = bids.begin_deposit(target, lot_number=lot_number, supplier_siret=siret,
                                     supplier_name=principal.org_name or siret, depositor=uow.actor,
                                     depositor_email=principal.email, backup=backup, now=uow.clock.now())
        await uow.repos.deposits.add(deposit)
        uow.audit("bid_deposit", deposit.id, DEPOSIT_BEGUN, {
            "consultation_id": str(consultation_id), "lot_number": lot_number, "supplier_siret": siret,
            "backup": backup, "begun_at": deposit.begun_at.isoformat()})
    return deposit


async def _sealed_only(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """The part as it comes, once its first bytes are the sealing header's (else a 422)."""
    head = bytearray()
    checked = False
    async for chunk in chunks:
        if not checked:
            head += chunk
            if len(head) < len(bids.SEALED_PREFIX):
                continue
            bids.check_sealed_head(bytes(head))
            checked = True
            chunk, head = bytes(head), bytearray()
        yield chunk
    if not checked:
        bids.check_sealed_head(bytes(head))


async def add_part(uow: UnitOfWork, deposit_id: uuid.UUID, *, role: PartRole, filename: str | None,
                   chunks: AsyncIterable[bytes]) -> DepositPart:
    """Stream one sealed part into the deposit (a `sealed_*` document: opaque, size-limited)."""
    async with uow:
        deposit = await _own(uow, deposit_id, for_update=True)
        await uow.act_for_buyer(deposit.tenant)
        max_bytes = bids.check_part(deposit, role)
        if not filename:
            raise DomainError("Nommez la pièce : en-tête Content-Disposition (filename*=UTF-8''…) ou X-Filename.",
                              field="fichier", status=422)
        document = await uow.repos.documents.put(
            _sealed_only(chunks), tenant=deposit.tenant, kind=bids.part_kind(role, backup=deposit.backup),
            filename=filename, max_bytes=max_bytes, allowed_types=None, field="fichier")
        part = DepositPart(role=role, filename=document.filename, document_id=document.id, sha256=document.sha256,
                           size=document.size, added_at=uow.clock.now())
        await uow.repos.deposits.add_part(deposit, part)
        uow.audit("bid_deposit", deposit.id, DEPOSIT_PART_ADDED, {
            "role": role.value, "filename": part.filename, "size": part.size, "sha256": part.sha256})
    return part


def _receipt_filename(deposit: Deposit) -> str:
    lot = "lot-unique" if deposit.lot_number is None else f"lot-{deposit.lot_number}"
    kind = "copie-de-sauvegarde" if deposit.backup else "offre"
    return f"accuse-de-reception-{deposit.consultation_reference}-{lot}-{kind}.pdf"


async def complete_deposit(uow: UnitOfWork, deposit_id: uuid.UUID, *, render_receipt: ReceiptRenderer) -> Deposit:
    """Complete the deposit: received (the earlier received one of this lot replaced) or, at or
    after the deadline, « hors délai » (kept sealed, never opened); the receipt stored, e-mailed
    and sent as an in-app message."""
    async with uow:
        found = await _own(uow, deposit_id)
        await uow.act_for_buyer(found.tenant)
        target = await _target(uow, found.consultation_id)
        # The supplier's deposits of this lot, locked (its own among them): completions in turn.
        earlier = await uow.repos.deposits.of_consultation(found.consultation_id, lot_number=found.lot_number,
                                                           all_lots=False, for_update=True)
        deposit = next(row for row in earlier if row.id == found.id)
        completion = bids.complete_deposit(deposit, target, now=uow.clock.now(), earlier=earlier)
        done = completion.deposit
        receipt = await uow.repos.documents.put(
            chunks_of(render_receipt(done)), tenant=done.tenant, kind="receipt", filename=_receipt_filename(done),
            max_bytes=MAX_RECEIPT_BYTES, allowed_types=frozenset({PDF}), field="receipt")
        done = dataclasses.replace(done, receipt_document_id=receipt.id)
        await uow.repos.deposits.complete(done)
        if completion.replaced:
            await uow.repos.deposits.mark_replaced(list(completion.replaced))
            for replaced in completion.replaced:
                uow.audit("bid_deposit", replaced, DEPOSIT_REPLACED, {"replaced_by": str(done.id)})
        uow.audit("bid_deposit", done.id, DEPOSIT_LATE if done.status is DepositStatus.LATE else DEPOSIT_RECEIVED, {
            "completed_at": done.completed_at.isoformat(), "receipt_hash": done.receipt_hash,
            "replaces": [str(replaced) for replaced in completion.replaced]})
        label = done.lot_label + (" (copie de sauvegarde)" if done.backup else "")
        if done.status is DepositStatus.LATE:
            label += " — reçu hors délai : il ne sera pas ouvert"
        await notify(uow, to_email=done.depositor_email, to_org_siret=done.supplier_siret,
                     template="deposit_receipt", context={
                         "consultation_reference": done.consultation_reference,
                         "consultation_title": done.consultation_title, "buyer_name": done.buyer_name,
                         "bidder_name": done.supplier_name, "lots": [label], "deposited_at": done.completed_at,
                         "receipt_hash": done.receipt_hash, "replaces_earlier": bool(completion.replaced),
                         "link": f"/mes-depots/{done.id}"})
    return done


async def my_deposits(uow: UnitOfWork) -> list[Deposit]:
    _supplier(uow)
    async with uow:
        return await uow.repos.deposits.mine()


async def deposit_of(uow: UnitOfWork, deposit_id: uuid.UUID) -> Deposit:
    async with uow:
        return await _own(uow, deposit_id)


async def receipt_of(uow: UnitOfWork, deposit_id: uuid.UUID) -> tuple[StoredDocument, bytes]:
    """The receipt PDF of the supplier's completed deposit (at most MAX_RECEIPT_BYTES)."""
    async with uow:
        deposit = await _own(uow, deposit_id)
        if deposit.receipt_document_id is None:
            raise DomainError(f"Ce dépôt n’a pas encore d’accusé de réception "
                              f"({DEPOSIT_STATUS_LABELS[deposit.status].lower()}).", field="status", status=409)
        await uow.act_for_buyer(deposit.tenant)
        document = await uow.repos.documents.stat(deposit.receipt_document_id, tenant=deposit.tenant)
        content = b"".join([chunk async for chunk in uow.repos.documents.open(document.id, tenant=deposit.tenant)])
    return document, content


async def register(uow: UnitOfWork, consultation_id: uuid.UUID) -> list[Deposit]:
    """The buyer's register of a consultation's deposits: who, when, lot, sizes, hashes (never a
    content: every part is sealed for the consultation's key until the opening)."""
    if not uow.tenant or (uow.principal is not None and uow.principal.supplier_siret):
        raise DomainError("Le registre des dépôts est celui de l’acheteur.", field="principal", status=403)
    async with uow:
        await _target(uow, consultation_id)
        return await uow.repos.deposits.of_consultation(consultation_id)


@dataclasses.dataclass(frozen=True)
class DepositForm:
    """What the supplier's deposit page shows: the consultation, its key, the supplier's deposits."""

    target: bids.DepositTarget
    public_key: PublishedKey
    deposits: list[Deposit]
    open: bool  # before the deadline by the service clock


async def deposit_form(uow: UnitOfWork, consultation_id: uuid.UUID) -> DepositForm:
    _supplier(uow)
    async with uow:
        key = await uow.repos.consultation_keys.public_key_of(consultation_id)
        if key is None:
            raise NotFound("Cette consultation n’est pas publiée : elle ne reçoit pas d’offres.",
                           field="consultation_id")
        await uow.act_for_buyer(key.tenant)
        target = await _target(uow, consultation_id)
        deposits = await uow.repos.deposits.of_consultation(consultation_id)
    now = uow.clock.now()
    return DepositForm(target=target, public_key=key, deposits=deposits,
                       open=target.published and target.bid_deadline is not None and now < target.bid_deadline)
