-- The consultations' public keys, readable by anyone (suppliers seal their bids with them): a
-- row exists only once its consultation is published, since publication creates the key pair
-- (bids.service.create_keys_for) in its transaction. Written by the buyer's tenant only. Kept
-- apart from consultation_keys so that the public read policy never reaches a wrapped key.
CREATE TABLE consultation_public_keys (
    consultation_id  uuid PRIMARY KEY REFERENCES consultation_keys (consultation_id),
    tenant           text NOT NULL,
    public_key_pem   text NOT NULL,
    public_key_jwk   jsonb NOT NULL,
    fingerprint      text NOT NULL,
    created_at       timestamptz NOT NULL
);

ALTER TABLE consultation_public_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE consultation_public_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY consultation_public_keys_read ON consultation_public_keys FOR SELECT USING (true);
CREATE POLICY consultation_public_keys_insert ON consultation_public_keys FOR INSERT
    WITH CHECK (tenant = unefois_tenant());
-- No UPDATE nor DELETE policy: a published key never changes (bids were sealed for it).
