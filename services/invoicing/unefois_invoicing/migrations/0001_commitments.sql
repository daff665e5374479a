-- A commitment (engagement) per notified contract: the ceiling invoices are matched against.
CREATE TABLE commitments (
    id                       uuid PRIMARY KEY,
    tenant                   text NOT NULL,
    contract_id              uuid NOT NULL UNIQUE,
    contract_number          text NOT NULL,
    legal_commitment_number  text NOT NULL,
    buyer                    jsonb NOT NULL,
    holders                  jsonb NOT NULL,
    ceiling                  numeric(15, 2) NOT NULL,
    opened_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commitments_tenant ON commitments (tenant, opened_at DESC);

-- The ledger: each invoice once (a supplier's invoice number is unique for that supplier).
CREATE TABLE invoices (
    id                uuid PRIMARY KEY,
    tenant            text NOT NULL,
    commitment_id     uuid NOT NULL REFERENCES commitments (id),
    supplier_siret    text NOT NULL,
    invoice_number    text NOT NULL,
    amount_excl_vat   numeric(15, 2) NOT NULL,
    vat_amount        numeric(15, 2) NOT NULL,
    issued_on         date NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (supplier_siret, invoice_number)
);
CREATE INDEX invoices_commitment ON invoices (commitment_id);
