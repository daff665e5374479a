-- Audit trail: one append-only, hash-chained list of entries per aggregate.
-- Written by unefois_kernel.audit.record inside the business transaction; the hashing
-- rules are documented in that module so an external auditor can recompute them.
CREATE TABLE audit_trail (
    id              bigserial PRIMARY KEY,
    tenant          text NOT NULL,                 -- buyer SIRET
    aggregate_type  text NOT NULL,
    aggregate_id    text NOT NULL,
    sequence        integer NOT NULL CHECK (sequence >= 1),   -- 1, 2, ... per aggregate
    occurred_at     timestamptz NOT NULL,
    actor           text NOT NULL,                 -- user subject, or "system:<consumer>"
    action          text NOT NULL,                 -- e.g. "need.approved", "bids.opened"
    change_digest   text NOT NULL CHECK (change_digest ~ '^[0-9a-f]{64}$'),
    change          jsonb NOT NULL,                -- the payload the digest was computed over
    previous_hash   text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
    entry_hash      text NOT NULL CHECK (entry_hash ~ '^[0-9a-f]{64}$'),
    -- Also the index that finds a chain's head and streams chains in order for verification.
    CONSTRAINT audit_trail_chain UNIQUE (aggregate_type, aggregate_id, sequence)
);
CREATE INDEX audit_trail_tenant ON audit_trail (tenant, occurred_at);

-- Append-only, enforced by the database rather than by convention. Statement-level, so
-- that even an UPDATE or DELETE matching no row is refused: nothing may try.
CREATE FUNCTION audit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries are never changed or removed; record a new entry instead.';
END $$;
CREATE TRIGGER audit_trail_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_trail
    FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only();

-- Privileges as a first barrier: nobody (not even the owning service role, which runs
-- this migration) holds UPDATE, DELETE or TRUNCATE. The trigger is the second barrier, for
-- superusers, who bypass privileges.
-- Neither is prevention: a superuser, or the owner, can still GRANT the privileges back,
-- ALTER TABLE ... DISABLE TRIGGER, or drop the table. That is why each entry is chained to
-- the previous one by hash: an edit made that way is evident to `python -m
-- unefois_kernel.audit_cli verify` (tamper evidence, not tamper prevention).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_trail FROM PUBLIC, CURRENT_USER;
