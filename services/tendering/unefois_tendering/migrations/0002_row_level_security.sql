-- Tenant isolation enforced by the database (see unefois_kernel.tenancy).
ALTER TABLE consultations ENABLE ROW LEVEL SECURITY;
ALTER TABLE consultations FORCE ROW LEVEL SECURITY;
CREATE POLICY consultations_of_tenant ON consultations
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());

ALTER TABLE awards ENABLE ROW LEVEL SECURITY;
ALTER TABLE awards FORCE ROW LEVEL SECURITY;
CREATE POLICY awards_of_tenant ON awards
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());

ALTER TABLE reference_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE reference_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY reference_counters_of_tenant ON reference_counters
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
