CREATE TABLE needs (
    id           uuid PRIMARY KEY,
    tenant       text NOT NULL,                 -- buyer SIRET
    status       text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
    facts        jsonb NOT NULL,                -- PurchaseFacts as entered, the single source of truth
    created_at   timestamptz NOT NULL DEFAULT now(),
    approved_by  text,
    approved_at  timestamptz
);
CREATE INDEX needs_tenant ON needs (tenant, created_at DESC);
