-- Transactional outbox: events written in the same transaction as the state change.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,          -- relay order; per aggregate it follows commit order
    event_id      uuid NOT NULL UNIQUE,           -- CloudEvents id, the consumers' idempotency key
    topic         text NOT NULL,
    key           text NOT NULL,                  -- aggregate id -> Kafka key -> partition
    event_type    text NOT NULL,
    tenant        text NOT NULL,
    headers       jsonb NOT NULL,                 -- ce_* attributes and the trace context at write time
    payload       text NOT NULL,                  -- the exact JSON bytes that go on the wire
    created_at    timestamptz NOT NULL DEFAULT now(),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    published_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- The relay LISTENs on this channel; one notification per inserting statement, delivered at commit.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Idempotent inbox: one row per (consumer, event) processed, written in the handler's transaction.
CREATE TABLE inbox (
    consumer      text NOT NULL,
    event_id      uuid NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
