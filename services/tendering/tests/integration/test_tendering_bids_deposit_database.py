"""Bid deposits on the real PostgreSQL (issue 11, items 4 and 5).

Zero knowledge: a supplier deposits through the real use cases a bid with a known price
("98765,43") and a file holding a marker string; then every table of the tendering database
(iterated from information_schema, read as the superuser: what a stolen dump holds) and the
blob storage hold neither the price nor the marker, in any encoding tried; a dump plus the code,
without the key-encryption-key file, cannot open the bid; with it, the opening can.
Row-level security: supplier B sees none of A's deposits, even acting for the same buyer; the
buyer sees the register (who, when, lot, sizes, hashes), never a content in clear."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from unefois_events.catalogue import Lot
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.storage import chunks_of
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.storage.filesystem import FilesystemDocumentStorage
from unefois_kernel.testing import BUYER, SUPPLIER
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.bids import service
from unefois_tendering.bids.custody import (
    CustodyRefused,
    FileKeyCustody,
    new_key_file_content,
)
from unefois_tendering.bids.domain import (
    BidForm,
    DepositStatus,
    PartRole,
    SealBroken,
    generate_consultation_keypair,
    open_sealed_bytes,
    parse_french_amount,
    seal_bytes,
)
from unefois_tendering.bids.views import receipt_pdf
from unefois_tendering.repositories import Repositories

PRICE = "98765,43"
MARKER = "MARQUEUR-CONFIDENTIEL-7f3a"
JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER, email="contact@tp-rhodaniens.fr")
LISE = Principal(subject="u-4", name="Lise Bernard", roles=frozenset({Role.SUPPLIER}), org_siret="81000005900016",
                 org_name="Fournitures Scolaires du Centre SARL", org_kind=OrgKind.SUPPLIER)
CAMILLE = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
LOTS = [Lot(number=1, title="Voirie", estimated_value=Decimal("60000.00")),
        Lot(number=2, title="Éclairage", estimated_value=Decimal("60000.00"))]


def unit_fakes():
    path = Path(__file__).parents[1] / "unit" / "fakes.py"
    spec = importlib.util.spec_from_file_location("unefois_tendering_deposit_fakes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def custody(tmp_path) -> FileKeyCustody:
    path = tmp_path / "tendering-key-encryption-key"
    path.write_text(new_key_file_content(), encoding="ascii")
    path.chmod(0o600)
    return FileKeyCustody.from_file(path)


@pytest.fixture(params=["postgres", "filesystem"])
def blob_root(request, tmp_path) -> Path | None:
    """Both adapters of the storage port: the blobs in document_chunks, or files under a root."""
    return None if request.param == "postgres" else tmp_path / "documents"


@pytest.fixture
async def deposit_uows(service_database, blob_root) -> UnitsOfWork[Repositories]:
    pool = await service_database("tendering")
    clock = SettableClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    storage = PostgresDocumentStorage(clock) if blob_root is None else FilesystemDocumentStorage(blob_root, clock)
    return UnitsOfWork(service="tendering", clock=clock, pool=pool,
                       repositories=partial(Repositories.on, storage=storage))


@pytest.fixture
async def published(deposit_uows, custody):
    """A published two-lot consultation (stored through its repository) with its key pair."""
    consultation = unit_fakes().a_consultation(at=deposit_uows.clock.now(), lots=LOTS)
    async with deposit_uows.system(consultation.tenant) as uow:
        await uow.repos.consultations.add(consultation)
        await service.create_keys_for(uow, consultation.id, custody)
    return consultation


async def superuser(deposit_uows, admin_dsn) -> asyncpg.Connection:
    """The database as its superuser sees it (row-level security bypassed): a stolen dump."""
    async with deposit_uows.pool.acquire() as conn:
        name = await conn.fetchval("SELECT current_database()")
    parts = urlsplit(admin_dsn)
    return await asyncpg.connect(urlunsplit(parts._replace(path=f"/{name}")))


async def a_deposit(uows, consultation, principal=JEAN, *, lot=1, price=PRICE, marker=MARKER):
    async with uows(None) as anonymous:
        public_key = (await anonymous.repos.consultation_keys.public_key_of(consultation.id)).public_key()
    form = BidForm(lot_number=lot, price_excl_tax=parse_french_amount(price), members=[
        {"name": principal.org_name, "identifier_type": "SIRET", "identifier": principal.org_siret,
         "mandataire": True}], subcontracting=False)
    begun = await service.begin_deposit(uows(principal), consultation.id, lot_number=lot)
    await service.add_part(uows(principal), begun.id, role=PartRole.BID_FORM, filename="formulaire-offre.json",
                           chunks=chunks_of(seal_bytes(public_key, form.model_dump_json().encode())))
    document = f"Mémoire technique\n{marker}\nPrix : {price} € HT\n".encode() * 50
    await service.add_part(uows(principal), begun.id, role=PartRole.BID_DOCUMENT, filename="memoire.pdf",
                           chunks=chunks_of(seal_bytes(public_key, document), 1000))
    return await service.complete_deposit(uows(principal), begun.id, render_receipt=receipt_pdf)


def encodings(text: str) -> list[bytes]:
    """Every encoding of a secret we could think of."""
    forms = {text, text.replace(",", "."), text.replace(",", ""), text.replace(" ", ""), text.upper(), text.lower()}
    found: list[bytes] = []
    for form in forms:
        for codec in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            try:
                raw = form.encode(codec)
            except UnicodeEncodeError:
                continue
            found += [raw, raw.hex().encode(), base64.b64encode(raw), base64.urlsafe_b64encode(raw)]
    return [value for value in found if len(value) >= 4]


async def everything(conn: asyncpg.Connection) -> bytes:
    """Every row of every table of the database (from information_schema), as text and bytes."""
    tables = await conn.fetch("""SELECT table_schema, table_name FROM information_schema.tables
                                 WHERE table_type = 'BASE TABLE'
                                   AND table_schema NOT IN ('pg_catalog', 'information_schema')""")
    assert {"bid_deposits", "bid_deposit_parts", "documents", "document_chunks", "outgoing_mail", "messages"} <= {
        row["table_name"] for row in tables}
    parts: list[bytes] = []
    for table in tables:
        rows = await conn.fetch(f'SELECT * FROM "{table["table_schema"]}"."{table["table_name"]}"')
        for row in rows:
            for value in row.values():
                if isinstance(value, bytes | memoryview):
                    parts.append(bytes(value))
                else:
                    parts.append(json.dumps(value, default=str, ensure_ascii=False).encode())
                    parts.append(str(value).encode())
    return b"\n".join(parts)


async def test_before_the_deadline_no_table_and_no_blob_holds_the_price_or_the_file(
        deposit_uows, published, admin_dsn, custody, tmp_path, blob_root):
    done = await a_deposit(deposit_uows, published)
    assert done.status is DepositStatus.RECEIVED
    conn = await superuser(deposit_uows, admin_dsn)
    try:
        stolen = await everything(conn)
        form_id = await conn.fetchval("SELECT document_id FROM bid_deposit_parts WHERE deposit_id = $1 "
                                      "AND role = 'bid_form'", done.id)
        sealed = await conn.fetchval(
            "SELECT string_agg(data, ''::bytea ORDER BY seq) FROM document_chunks WHERE document_id = $1", form_id)
        wrapped = await conn.fetchval("SELECT wrapped_private_key FROM consultation_keys WHERE consultation_id = $1",
                                      published.id)
    finally:
        await conn.close()
    if blob_root is not None:  # the blob storage: every file under the root
        files = [path for path in blob_root.rglob("*") if path.is_file()]
        assert len(files) >= 3  # the bid form, the document, the receipt
        sealed = next(path.read_bytes() for path in files if path.name == str(form_id))
        stolen += b"\n".join(path.read_bytes() for path in files)
    assert sealed.startswith(b"UFSB\x01\x01")
    # The dump does read the deposit's rows (what it must not hold is only the plaintext).
    assert SUPPLIER.siret.encode() in stolen and done.receipt_hash.encode() in stolen and sealed[:200] in stolen
    for secret in (PRICE, MARKER, "98765.43", "9876543", "98 765,43", "98765"):
        for encoded in encodings(secret):
            assert encoded not in stolen, (secret, encoded)
    # The dump plus the code, without the key-encryption-key file: nothing opens the bid ...
    for guess in (FileKeyCustody(bytes(32)), FileKeyCustody.from_file(_fresh(tmp_path))):
        with pytest.raises(CustodyRefused):
            guess.unwrap_private_key(published.id, wrapped)
    with pytest.raises(SealBroken):
        open_sealed_bytes(generate_consultation_keypair().private_key, sealed)
    # ... with it (the service, at the opening): the price.
    private_key = custody.unwrap_private_key(published.id, wrapped)
    assert BidForm.model_validate_json(open_sealed_bytes(private_key, sealed)).price() == Decimal("98765.43")


def _fresh(tmp_path) -> Path:
    path = tmp_path / "another-key"
    path.write_text(new_key_file_content(), encoding="ascii")
    path.chmod(0o600)
    return path


async def test_a_supplier_sees_only_its_own_deposits_the_buyer_the_register(deposit_uows, published):
    mine = await a_deposit(deposit_uows, published, JEAN, lot=1)
    theirs = await a_deposit(deposit_uows, published, LISE, lot=1, price="12 000,00")
    assert [row.id for row in await service.my_deposits(deposit_uows(JEAN))] == [mine.id]
    assert [row.id for row in await service.my_deposits(deposit_uows(LISE))] == [theirs.id]
    with pytest.raises(NotFound):
        await service.deposit_of(deposit_uows(LISE), mine.id)
    with pytest.raises(NotFound):
        await service.receipt_of(deposit_uows(LISE), mine.id)
    # Even acting for the same buyer (as a deposit does), B's scope shows none of A's rows.
    async with deposit_uows(LISE) as uow:
        await uow.act_for_buyer(published.tenant)
        rows = await uow.connection.fetch("SELECT supplier_siret FROM bid_deposits")
        parts = await uow.connection.fetch("SELECT supplier_siret FROM bid_deposit_parts")
        assert {row["supplier_siret"] for row in rows} == {LISE.org_siret}
        assert {row["supplier_siret"] for row in parts} == {LISE.org_siret}
        # Nor may B write a row in A's name.
        assert await uow.connection.execute(
            "UPDATE bid_deposits SET status = 'replaced' WHERE id = $1", mine.id) == "UPDATE 0"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await uow.connection.execute(
                """INSERT INTO bid_deposits (id, tenant, consultation_id, lot_number, consultation_reference,
                   consultation_title, buyer_name, supplier_siret, supplier_name, depositor, begun_at)
                   VALUES ($1, $2, $3, 1, 'r', 't', 'b', $4, 'x', 'x', now())""",
                uuid.uuid4(), published.tenant, published.id, JEAN.org_siret)
    # The buyer: the register of both, with the sizes and hashes, no content in clear.
    register = await service.register(deposit_uows(CAMILLE), published.id)
    assert {(row.supplier_siret, row.status) for row in register} == {
        (JEAN.org_siret, DepositStatus.RECEIVED), (LISE.org_siret, DepositStatus.RECEIVED)}
    assert all(part.sha256 and part.size > 0 for row in register for part in row.parts)
    # Another buyer sees nothing.
    other = Principal(subject="u-9", name="X", roles=frozenset({Role.BUYER}), org_siret="21690123100011",
                      org_name="Autre", org_kind=OrgKind.BUYER)
    with pytest.raises(NotFound):
        await service.register(deposit_uows(other), published.id)


async def test_replacement_late_completion_and_the_receipt_on_postgres(deposit_uows, published):
    clock = deposit_uows.clock
    first = await a_deposit(deposit_uows, published)
    clock.advance(timedelta(minutes=10))
    second = await a_deposit(deposit_uows, published, price="97 000,00")
    rows = {row.id: row for row in await service.my_deposits(deposit_uows(JEAN))}
    assert rows[first.id].status is DepositStatus.REPLACED and rows[second.id].status is DepositStatus.RECEIVED
    # Begun one second before the deadline, completed after it: « hors délai ».
    clock.set(published.bid_deadline - timedelta(seconds=1))
    begun = await service.begin_deposit(deposit_uows(JEAN), published.id, lot_number=2)
    async with deposit_uows(None) as anonymous:
        public_key = (await anonymous.repos.consultation_keys.public_key_of(published.id)).public_key()
    await service.add_part(deposit_uows(JEAN), begun.id, role=PartRole.BID_FORM, filename="f.json",
                           chunks=chunks_of(seal_bytes(public_key, b"{}")))
    clock.set(published.bid_deadline + timedelta(seconds=30))
    late = await service.complete_deposit(deposit_uows(JEAN), begun.id, render_receipt=receipt_pdf)
    assert late.status is DepositStatus.LATE
    with pytest.raises(DomainError) as refused:
        await service.begin_deposit(deposit_uows(JEAN), published.id, lot_number=2)
    assert refused.value.field == "bid_deadline"
    # The receipt: a PDF through the storage port, its hash over what it states.
    document, content = await service.receipt_of(deposit_uows(JEAN), second.id)
    assert content.startswith(b"%PDF-") and document.kind == "receipt" and document.media_type == "application/pdf"
    async with deposit_uows.system(published.tenant) as uow:
        mails = await uow.connection.fetch("SELECT template, to_email FROM outgoing_mail ORDER BY created_at")
    assert [(mail["template"], mail["to_email"]) for mail in mails] == [("deposit_receipt", JEAN.email)] * 3


async def test_two_completions_of_one_lot_at_once_leave_one_received(deposit_uows, published):
    async with deposit_uows(None) as anonymous:
        public_key = (await anonymous.repos.consultation_keys.public_key_of(published.id)).public_key()
    begun = []
    for _ in range(2):
        deposit = await service.begin_deposit(deposit_uows(JEAN), published.id, lot_number=1)
        await service.add_part(deposit_uows(JEAN), deposit.id, role=PartRole.BID_FORM, filename="f.json",
                               chunks=chunks_of(seal_bytes(public_key, b"{}")))
        begun.append(deposit)
    await asyncio.gather(*(service.complete_deposit(deposit_uows(JEAN), deposit.id, render_receipt=receipt_pdf)
                           for deposit in begun))
    statuses = sorted(row.status.value for row in await service.my_deposits(deposit_uows(JEAN)))
    assert statuses == ["received", "replaced"]
