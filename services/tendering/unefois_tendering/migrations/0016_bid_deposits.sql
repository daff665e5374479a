-- Bid deposits (issue 11, item 4): per lot, begun then completed on the service clock, each
-- part a sealed document of the storage port (kind sealed_*: ciphertext only; the service holds
-- no plaintext of a bid before the deadline). Written by the supplier in the buyer's tenant
-- (UnitOfWork.act_for_buyer, once the use case checked the consultation is published).
--
-- Row-level security: the buyer (a tenant scope without a supplier) sees its consultations'
-- register; a supplier (scope unefois_supplier()) sees and writes only its own rows, whatever
-- tenant it acts for, so supplier B acting for the same buyer never sees supplier A's deposits.
CREATE TABLE bid_deposits (
    id                   uuid PRIMARY KEY,
    tenant               text NOT NULL,                                  -- the buyer's
    consultation_id      uuid NOT NULL REFERENCES consultations (id),
    lot_number           integer,                                        -- NULL: not allotted
    lot_title            text NOT NULL DEFAULT '',
    consultation_reference text NOT NULL,   -- copied at begin: the supplier's list reads no consultation
    consultation_title   text NOT NULL,
    buyer_name           text NOT NULL,
    supplier_siret       text NOT NULL,
    supplier_name        text NOT NULL,
    depositor            text NOT NULL,                                  -- "Name <subject>"
    depositor_email      text,
    backup               boolean NOT NULL DEFAULT false,                 -- a copie de sauvegarde
    begun_at             timestamptz NOT NULL,
    completed_at         timestamptz,
    status               text NOT NULL DEFAULT 'in_progress'
                         CHECK (status IN ('in_progress', 'received', 'late', 'replaced')),
    receipt_hash         text,
    receipt              jsonb,                                          -- what the hash covers
    receipt_document_id  uuid,
    CHECK ((status = 'in_progress') = (completed_at IS NULL)),
    CHECK ((status = 'in_progress') = (receipt_hash IS NULL))
);
CREATE INDEX bid_deposits_of_consultation ON bid_deposits (consultation_id, lot_number, supplier_siret);
CREATE INDEX bid_deposits_of_supplier ON bid_deposits (supplier_siret, begun_at DESC);

CREATE TABLE bid_deposit_parts (
    deposit_id      uuid NOT NULL REFERENCES bid_deposits (id),
    position        integer NOT NULL,
    tenant          text NOT NULL,
    supplier_siret  text NOT NULL,
    role            text NOT NULL
                    CHECK (role IN ('bid_form', 'price_schedule', 'candidate_document', 'bid_document')),
    filename        text NOT NULL,
    document_id     uuid NOT NULL REFERENCES documents (id),
    sha256          text NOT NULL,
    size            bigint NOT NULL,
    added_at        timestamptz NOT NULL,
    PRIMARY KEY (deposit_id, position)
);

ALTER TABLE bid_deposits ENABLE ROW LEVEL SECURITY;
ALTER TABLE bid_deposits FORCE ROW LEVEL SECURITY;
CREATE POLICY bid_deposits_of_buyer ON bid_deposits FOR SELECT
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant());
CREATE POLICY bid_deposits_of_supplier ON bid_deposits
    USING (supplier_siret = unefois_supplier())
    WITH CHECK (supplier_siret = unefois_supplier() AND tenant = unefois_tenant());

ALTER TABLE bid_deposit_parts ENABLE ROW LEVEL SECURITY;
ALTER TABLE bid_deposit_parts FORCE ROW LEVEL SECURITY;
CREATE POLICY bid_deposit_parts_of_buyer ON bid_deposit_parts FOR SELECT
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant());
CREATE POLICY bid_deposit_parts_of_supplier ON bid_deposit_parts
    USING (supplier_siret = unefois_supplier())
    WITH CHECK (supplier_siret = unefois_supplier() AND tenant = unefois_tenant());
