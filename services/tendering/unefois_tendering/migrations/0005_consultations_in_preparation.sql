-- A consultation opens en préparation (issue 11): an approved need becomes a draft the buyer
-- completes (bid and questions deadlines, award criteria per lot, variants, candidate documents)
-- and publishes; the procedure decision is taken again at that publication (art. R2121-3).
ALTER TABLE consultations DROP CONSTRAINT consultations_status_check;
ALTER TABLE consultations ADD CONSTRAINT consultations_status_check
    CHECK (status IN ('draft', 'awaiting_procedure', 'published', 'awarded'));

ALTER TABLE consultations DROP CONSTRAINT consultations_published_has_dates;
ALTER TABLE consultations ADD CONSTRAINT consultations_published_has_dates
    CHECK (status IN ('draft', 'awaiting_procedure') OR (published_at IS NOT NULL AND bid_deadline IS NOT NULL));

-- What the buyer prepared (Preparation as JSON: publication_date, bid_deadline,
-- questions_deadline, criteria per lot, variants_allowed, required_documents); published ones
-- from before this migration have none ('{}').
ALTER TABLE consultations ADD COLUMN preparation jsonb NOT NULL DEFAULT '{}';
