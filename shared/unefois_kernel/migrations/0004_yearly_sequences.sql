-- Yearly per-tenant sequences: consultation references (2026-0001), contract numbers, ...
-- One row per (tenant, sequence name, year); unefois_kernel.sequences.next_in_year bumps it
-- with an upsert, so two transactions of one tenant never draw the same number and a
-- rolled-back one gives its number back.
CREATE TABLE yearly_sequences (
    tenant  text NOT NULL,
    name    text NOT NULL CHECK (name ~ '^[a-z][a-z_]*$'),
    year    integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last    integer NOT NULL CHECK (last >= 1),
    PRIMARY KEY (tenant, name, year)
);

ALTER TABLE yearly_sequences ENABLE ROW LEVEL SECURITY;
ALTER TABLE yearly_sequences FORCE ROW LEVEL SECURITY;
CREATE POLICY yearly_sequences_of_tenant ON yearly_sequences
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
