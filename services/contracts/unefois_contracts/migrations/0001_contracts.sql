CREATE TABLE contracts (
    id                       uuid PRIMARY KEY,
    tenant                   text NOT NULL,
    award_id                 uuid NOT NULL UNIQUE,     -- one contract per award
    status                   text NOT NULL CHECK (status IN ('to_notify', 'notified')),
    award                    jsonb NOT NULL,           -- AwardDecided as received: nothing retyped
    contract_number          text,
    legal_commitment_number  text,
    notified_on              date,
    notified_at              timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant, contract_number)
);
CREATE INDEX contracts_tenant ON contracts (tenant, created_at DESC);

CREATE TABLE contract_counters (
    tenant  text NOT NULL,
    year    integer NOT NULL,
    last    integer NOT NULL,
    PRIMARY KEY (tenant, year)
);
