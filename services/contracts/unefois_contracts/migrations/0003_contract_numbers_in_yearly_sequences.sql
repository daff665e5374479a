-- Contract numbers now come from the kernel's yearly per-tenant sequences (kernel migration
-- 0004, sequence name 'contract'): each buyer's count of every year is carried over, then the
-- service's own counter table goes.
-- Both tables FORCE row-level security, and a migration runs as their owner with no tenant
-- scope: an owner bypasses the policies only when they are not forced, so they are unforced
-- for the copy and forced again after it (contract_counters is dropped, nothing to restore).
ALTER TABLE contract_counters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE yearly_sequences NO FORCE ROW LEVEL SECURITY;

INSERT INTO yearly_sequences (tenant, name, year, last)
SELECT tenant, 'contract', year, last FROM contract_counters
ON CONFLICT (tenant, name, year) DO UPDATE SET last = GREATEST(yearly_sequences.last, EXCLUDED.last);

ALTER TABLE yearly_sequences FORCE ROW LEVEL SECURITY;
DROP TABLE contract_counters;
