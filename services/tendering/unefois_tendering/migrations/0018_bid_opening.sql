-- Opening of the bids and admissibility (issue 11, items 5, 7 and 9).
-- Consultation statuses: 'closed' (the bid deadline passed, not yet opened), 'opened' (plis
-- ouverts), 'abandoned' (sans suite).
ALTER TABLE consultations DROP CONSTRAINT consultations_status_check;
ALTER TABLE consultations ADD CONSTRAINT consultations_status_check
    CHECK (status IN ('draft', 'awaiting_procedure', 'published', 'closed', 'opened', 'abandoned', 'awarded'));

-- The opening of a consultation: who, when, and the record (« procès-verbal d'ouverture des plis »).
CREATE TABLE bid_openings (
    consultation_id  uuid PRIMARY KEY REFERENCES consultations (id),
    tenant           text NOT NULL,
    opened_by        text NOT NULL,
    opened_at        timestamptz NOT NULL,
    record           jsonb NOT NULL
);

-- One opened deposit (id = the deposit's): decrypted bid form, price, plaintext files, and the
-- buyer's admissibility decision.
CREATE TABLE opened_bids (
    id                    uuid PRIMARY KEY REFERENCES bid_deposits (id),
    tenant                text NOT NULL,
    consultation_id       uuid NOT NULL REFERENCES consultations (id),
    lot_number            integer,
    supplier_siret        text NOT NULL,
    supplier_name         text NOT NULL,
    state                 text NOT NULL CHECK (state IN ('opened', 'unreadable')),
    bid_form              jsonb,
    price                 numeric(15, 2),
    files                 jsonb NOT NULL DEFAULT '[]',
    receipt_hash          text,
    opened_at             timestamptz NOT NULL,
    problem               text,
    backup                boolean NOT NULL DEFAULT false,
    backup_case           text,
    backup_reason         text,
    replaces_bid_id       uuid,
    admissibility         text NOT NULL DEFAULT 'pending'
                          CHECK (admissibility IN ('pending', 'admissible', 'irregular', 'unacceptable',
                                                   'inappropriate')),
    admissibility_reason  text,
    decided_by            text,
    decided_at            timestamptz,
    CHECK ((state = 'opened') = (price IS NOT NULL)),
    CHECK (admissibility IN ('pending', 'admissible') OR admissibility_reason IS NOT NULL)
);
CREATE INDEX opened_bids_of_lot ON opened_bids (consultation_id, lot_number);

-- Missing candidate documents requested from a bidder (R2144-2), answered on its deposits page.
CREATE TABLE bid_document_requests (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    bid_id           uuid NOT NULL REFERENCES opened_bids (id),
    supplier_siret   text NOT NULL,
    documents        jsonb NOT NULL,          -- the codes requested
    message          text NOT NULL,
    deadline         timestamptz NOT NULL,
    requested_by     text NOT NULL,
    requested_at     timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'answered', 'unanswered')),
    answers          jsonb NOT NULL DEFAULT '[]',  -- [{code, filename, document_id, sha256, size, at}]
    answered_at      timestamptz
);
CREATE INDEX bid_document_requests_of_supplier ON bid_document_requests (supplier_siret, requested_at DESC);

ALTER TABLE bid_openings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bid_openings FORCE ROW LEVEL SECURITY;
CREATE POLICY bid_openings_of_buyer ON bid_openings
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());

ALTER TABLE opened_bids ENABLE ROW LEVEL SECURITY;
ALTER TABLE opened_bids FORCE ROW LEVEL SECURITY;
CREATE POLICY opened_bids_of_buyer ON opened_bids
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());

-- The buyer writes and reads its requests; the supplier reads its own and answers them (in the
-- buyer's tenant, act_for_buyer).
ALTER TABLE bid_document_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE bid_document_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY bid_document_requests_of_buyer ON bid_document_requests
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());
CREATE POLICY bid_document_requests_of_supplier ON bid_document_requests
    USING (supplier_siret = unefois_supplier())
    WITH CHECK (supplier_siret = unefois_supplier() AND tenant = unefois_tenant());
