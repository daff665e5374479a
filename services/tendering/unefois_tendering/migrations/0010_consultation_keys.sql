-- Sealed bids (issue 11, item 5): each consultation's key pair, created at its publication.
-- The private key is stored only wrapped by the key custody (unefois_tendering.bids.custody): its
-- key-encryption key is a service secret file, never in this database, so a dump of it cannot
-- open a bid. Tenant-scoped: only the buyer's own transactions see the row.
CREATE TABLE consultation_keys (
    consultation_id      uuid PRIMARY KEY REFERENCES consultations (id),
    tenant               text NOT NULL,
    public_key_pem       text NOT NULL,          -- P-256 SubjectPublicKeyInfo
    public_key_jwk       jsonb NOT NULL,         -- the same key for WebCrypto
    fingerprint          text NOT NULL,          -- SHA-256 of the SubjectPublicKeyInfo, hex
    custody              text NOT NULL,          -- which custody wrapped it ('file-v1')
    wrapped_private_key  bytea NOT NULL,
    created_at           timestamptz NOT NULL
);

ALTER TABLE consultation_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE consultation_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY consultation_keys_of_tenant ON consultation_keys
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
