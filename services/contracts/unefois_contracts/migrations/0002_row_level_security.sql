-- Tenant isolation enforced by the database (see unefois_kernel.tenancy).
-- Holders (suppliers) may read the contracts they won, never change them.
ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contracts FORCE ROW LEVEL SECURITY;
CREATE POLICY contracts_of_tenant ON contracts
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
CREATE POLICY contracts_of_holder ON contracts FOR SELECT
    USING (award -> 'winners' @> jsonb_build_array(jsonb_build_object('siret', unefois_supplier())));

ALTER TABLE contract_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_counters_of_tenant ON contract_counters
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
