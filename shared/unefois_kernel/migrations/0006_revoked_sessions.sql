-- Revoked sessions: logout and an operator's revocation take effect at once, on every replica.
-- unefois_kernel.auth.sessions writes them; the token verifier asks on every request carrying
-- a token (two primary-key lookups), so no replica keeps accepting a revoked session.
--
-- One login session: its issuer `sid` ("sid:<sid>"), or the token's `jti` ("jti:<jti>") for a
-- token minted outside a session. Kept until the longest token of that session has expired.
CREATE TABLE revoked_sessions (
    session_id  text PRIMARY KEY CHECK (session_id ~ '^(sid|jti):.' AND length(session_id) <= 300),
    subject     text NOT NULL,
    revoked_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);

-- Every session of a person at once (an operator's revocation): tokens of that subject issued
-- up to `revoked_at` (their `iat`, to the second) are refused; those issued after are not.
CREATE TABLE revoked_subjects (
    subject     text PRIMARY KEY CHECK (length(subject) BETWEEN 1 AND 256),
    revoked_at  timestamptz NOT NULL DEFAULT now(),
    revoked_by  text NOT NULL
);
