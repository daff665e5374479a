-- Tenant isolation enforced by the database (see unefois_kernel.tenancy).
ALTER TABLE needs ENABLE ROW LEVEL SECURITY;
ALTER TABLE needs FORCE ROW LEVEL SECURITY;
CREATE POLICY needs_of_tenant ON needs
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
