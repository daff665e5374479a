-- One DECP record per notified contract (the consolidation key is buyer SIRET + contract id).
CREATE TABLE decp_records (
    contract_id       uuid PRIMARY KEY,
    buyer_siret       text NOT NULL,
    contract_number   text NOT NULL,
    publication_duty  text NOT NULL,
    record            jsonb NOT NULL,            -- the DECP `marche` object, valid against schema v2.0.3
    notified_on       date NOT NULL,
    published_on      date NOT NULL,
    UNIQUE (buyer_siret, contract_number)
);
CREATE INDEX decp_records_published ON decp_records (published_on DESC);

-- Invoices seen per contract, for the spending dashboards.
CREATE TABLE contract_invoices (
    invoice_id       uuid PRIMARY KEY,
    contract_id      uuid NOT NULL,
    buyer_siret      text NOT NULL,
    amount_excl_vat  numeric(15, 2) NOT NULL,
    issued_on        date NOT NULL
);
CREATE INDEX contract_invoices_contract ON contract_invoices (contract_id);
