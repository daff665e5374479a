-- Consultation references (2026-0001, ...) are now drawn from the kernel's yearly per-tenant
-- sequences (kernel migration 0004, unefois_kernel.sequences, sequence name 'consultation'):
-- carry each tenant's counters over, then drop tendering's own table.
--
-- Both tables FORCE row-level security, and a migration runs as the owning role with no tenant
-- scope (unefois_tenant() matches nothing): an owner bypasses the policies only while they are
-- not forced, so the copy runs with FORCE lifted, and yearly_sequences is FORCEd again at once.
-- All of it is one transaction (one migration): no other session sees the unforced tables.
ALTER TABLE reference_counters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE yearly_sequences NO FORCE ROW LEVEL SECURITY;

INSERT INTO yearly_sequences (tenant, name, year, last)
SELECT tenant, 'consultation', year, last FROM reference_counters
ON CONFLICT (tenant, name, year) DO UPDATE SET last = GREATEST(yearly_sequences.last, EXCLUDED.last);

ALTER TABLE yearly_sequences FORCE ROW LEVEL SECURITY;
ALTER TABLE reference_counters FORCE ROW LEVEL SECURITY;

DROP TABLE reference_counters;
