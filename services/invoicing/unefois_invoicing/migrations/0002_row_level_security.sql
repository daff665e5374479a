-- Tenant isolation enforced by the database (see unefois_kernel.tenancy).
-- A holder sees its commitments and its own invoices. A deposit is written in the
-- buyer's scope once the holder check passed (see api.deposit_invoice).
ALTER TABLE commitments ENABLE ROW LEVEL SECURITY;
ALTER TABLE commitments FORCE ROW LEVEL SECURITY;
CREATE POLICY commitments_of_tenant ON commitments
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
CREATE POLICY commitments_of_holder ON commitments FOR SELECT
    USING (holders @> jsonb_build_array(jsonb_build_object('siret', unefois_supplier())));

ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY invoices_of_tenant ON invoices
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
CREATE POLICY invoices_of_supplier ON invoices FOR SELECT
    USING (supplier_siret = unefois_supplier());
