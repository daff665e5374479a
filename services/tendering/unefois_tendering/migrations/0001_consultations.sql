CREATE TABLE consultations (
    id            uuid PRIMARY KEY,
    tenant        text NOT NULL,
    need_id       uuid NOT NULL UNIQUE,          -- one consultation per approved need
    reference     text NOT NULL,
    status        text NOT NULL CHECK (status IN ('published', 'awarded')),
    purchase      jsonb NOT NULL,                -- PurchaseFacts as received from sourcing
    invited       jsonb NOT NULL DEFAULT '[]',
    published_at  timestamptz NOT NULL,
    bid_deadline  timestamptz NOT NULL
);
CREATE INDEX consultations_tenant ON consultations (tenant, published_at DESC);

-- Per-tenant yearly counters for human-readable references (2026-0001, ...).
CREATE TABLE reference_counters (
    tenant  text NOT NULL,
    year    integer NOT NULL,
    last    integer NOT NULL,
    PRIMARY KEY (tenant, year)
);

CREATE TABLE awards (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    lot_number       integer,
    decision         jsonb NOT NULL,
    awarded_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX awards_one_per_lot ON awards (consultation_id, coalesce(lot_number, 0));
