-- A buyer organisation's profile: its kind decides which thresholds apply (R2124-1).
-- The buyer never types it in a need form.
CREATE TABLE tenant_profiles (
    tenant      text PRIMARY KEY,
    buyer_kind  text NOT NULL CHECK (buyer_kind IN ('state', 'local', 'utility', 'defence'))
);
ALTER TABLE tenant_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_profiles_own ON tenant_profiles FOR SELECT USING (tenant = unefois_tenant());
