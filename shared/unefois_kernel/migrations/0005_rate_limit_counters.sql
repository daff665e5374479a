-- Rate limits counted in the service's database, so that every replica of a service spends
-- the same budget (unefois_kernel.web.security.PostgresRateLimiter). One row per
-- (bucket, subject, window): a fixed window of the limit's length, bumped by an upsert; the
-- database's clock dates the windows, so replicas agree on them. Expired rows are swept.
-- No tenant: the subject is a client address (or an address and a login), not tenant data.
CREATE TABLE rate_limit_counters (
    bucket        text        NOT NULL CHECK (bucket ~ '^[a-z][a-z0-9_:./-]*$' AND length(bucket) <= 200),
    subject       text        NOT NULL CHECK (length(subject) <= 400),
    window_start  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    hits          integer     NOT NULL CHECK (hits >= 1),
    PRIMARY KEY (bucket, subject, window_start)
);

CREATE INDEX rate_limit_counters_expiry ON rate_limit_counters (expires_at);
