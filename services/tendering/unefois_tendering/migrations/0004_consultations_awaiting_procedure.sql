-- A consultation may wait for the buyer before it is published (issue 10): tendering takes the
-- procedure decision again on the publication date (art. R2121-3 du code de la commande
-- publique: the value is assessed when the call for competition is sent) and, when sourcing's
-- decision no longer holds, keeps the consultation "à confirmer" until the buyer confirms a
-- lawful procedure. Until then it has no publication date nor bid deadline.
ALTER TABLE consultations DROP CONSTRAINT consultations_status_check;
ALTER TABLE consultations ADD CONSTRAINT consultations_status_check
    CHECK (status IN ('awaiting_procedure', 'published', 'awarded'));

-- When the approved need arrived (the list's order); a consultation published at once arrived
-- when it was published. The table FORCEs row-level security and a migration runs with no
-- tenant scope: the copy runs with FORCE lifted (as in 0003), inside this one transaction.
ALTER TABLE consultations ADD COLUMN received_at timestamptz;
ALTER TABLE consultations NO FORCE ROW LEVEL SECURITY;
UPDATE consultations SET received_at = published_at;
ALTER TABLE consultations FORCE ROW LEVEL SECURITY;
ALTER TABLE consultations ALTER COLUMN received_at SET NOT NULL;

ALTER TABLE consultations ALTER COLUMN published_at DROP NOT NULL;
ALTER TABLE consultations ALTER COLUMN bid_deadline DROP NOT NULL;
ALTER TABLE consultations ADD CONSTRAINT consultations_published_has_dates
    CHECK (status = 'awaiting_procedure' OR (published_at IS NOT NULL AND bid_deadline IS NOT NULL));

-- The decision the consultation was published under (ProcedureDecision; null when the need
-- carried none), and why publication waits (the hold: reason, sourcing's decision, the day).
ALTER TABLE consultations ADD COLUMN decision jsonb;
ALTER TABLE consultations ADD COLUMN hold jsonb;

DROP INDEX consultations_tenant;
CREATE INDEX consultations_tenant ON consultations (tenant, received_at DESC);
