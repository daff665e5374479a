-- Evaluation and award of each lot (issue 11, items 8 and 9): the grid's marks, the
-- abnormally-low cases and their justification, the proposal, the decision, the letters, the
-- standstill and the award event. `lot_key` is the lot's number, 0 for a consultation without lots.
--
-- Row-level security: the buyer (a tenant scope without a supplier) reads and writes every row of
-- its tenant; a supplier (scope unefois_supplier()) reads only its own justification cases and
-- letters, and writes only its answer to its own justification request.
CREATE TABLE lot_evaluations (
    tenant              text NOT NULL,
    consultation_id     uuid NOT NULL REFERENCES consultations (id),
    lot_key             integer NOT NULL,
    formula             text NOT NULL DEFAULT 'proportional' CHECK (formula IN ('proportional', 'linear')),
    status              text NOT NULL DEFAULT 'evaluating'
                        CHECK (status IN ('evaluating', 'proposed', 'decided', 'unsuccessful', 'abandoned')),
    proposal_bid_id     uuid,
    tie_break_reason    text,
    proposed_at         timestamptz,
    proposed_by         text,
    decided_at          timestamptz,
    decided_by          text,
    award_id            uuid,
    letters_sent_at     timestamptz,
    standstill_ends_at  timestamptz,                 -- NULL: no standstill (MAPA, R2182-1; R2182-2)
    standstill_reason   text,
    event_emitted_at    timestamptz,                 -- AwardDecided.v2 sent: exactly once
    outcome_explanation jsonb,                       -- an unsuccessful lot's French explanation
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (consultation_id, lot_key),
    CHECK ((status IN ('proposed', 'decided')) = (proposal_bid_id IS NOT NULL) OR status = 'abandoned')
);

CREATE TABLE evaluation_marks (
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL,
    lot_key          integer NOT NULL,
    bid_id           uuid NOT NULL,
    criterion        integer NOT NULL,
    sub_criterion    integer NOT NULL DEFAULT -1,    -- -1: the criterion has no sub-criterion
    points           numeric(7, 2) NOT NULL CHECK (points >= 0),
    comment          text NOT NULL CHECK (btrim(comment) <> ''),
    marked_by        text NOT NULL,
    marked_at        timestamptz NOT NULL,
    PRIMARY KEY (consultation_id, lot_key, bid_id, criterion, sub_criterion),
    FOREIGN KEY (consultation_id, lot_key) REFERENCES lot_evaluations (consultation_id, lot_key)
);

CREATE TABLE abnormally_low_cases (
    bid_id              uuid PRIMARY KEY,
    tenant              text NOT NULL,
    consultation_id     uuid NOT NULL,
    lot_key             integer NOT NULL,
    supplier_siret      text NOT NULL,
    bidder_name         text NOT NULL,
    consultation_reference text NOT NULL,            -- copied: the supplier's page reads no consultation
    consultation_title  text NOT NULL,
    lot_title           text NOT NULL,
    status              text NOT NULL
                        CHECK (status IN ('flagged', 'requested', 'justified', 'deadline_passed', 'rejected')),
    flag_reason         text NOT NULL,
    requested_at        timestamptz,
    deadline            timestamptz,
    answered_at         timestamptz,
    answer_text         text,
    answer_document_id  uuid REFERENCES documents (id),
    answer_filename     text,
    decided_at          timestamptz,
    decision_reason     text,
    history             jsonb NOT NULL DEFAULT '[]',
    FOREIGN KEY (consultation_id, lot_key) REFERENCES lot_evaluations (consultation_id, lot_key)
);
CREATE INDEX abnormally_low_cases_of_supplier ON abnormally_low_cases (supplier_siret, requested_at DESC);

CREATE TABLE award_letters (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL,
    lot_key          integer NOT NULL,
    bid_id           uuid NOT NULL,
    supplier_siret   text NOT NULL,
    bidder_name      text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('award', 'rejection', 'sans_suite')),
    subject          text NOT NULL,
    body             text NOT NULL,
    document_id      uuid REFERENCES documents (id),
    consultation_reference text NOT NULL,
    consultation_title text NOT NULL,
    lot_title        text NOT NULL,
    sent_at          timestamptz NOT NULL,
    UNIQUE (consultation_id, lot_key, bid_id, kind)
);
CREATE INDEX award_letters_of_supplier ON award_letters (supplier_siret, sent_at DESC);

CREATE TABLE consultation_sans_suite (
    consultation_id  uuid PRIMARY KEY REFERENCES consultations (id),
    tenant           text NOT NULL,
    reason           text NOT NULL,
    detail           text NOT NULL,
    explanation      text NOT NULL,
    decided_by       text NOT NULL,
    decided_at       timestamptz NOT NULL
);

ALTER TABLE lot_evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE lot_evaluations FORCE ROW LEVEL SECURITY;
CREATE POLICY lot_evaluations_of_buyer ON lot_evaluations
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());

ALTER TABLE evaluation_marks ENABLE ROW LEVEL SECURITY;
ALTER TABLE evaluation_marks FORCE ROW LEVEL SECURITY;
CREATE POLICY evaluation_marks_of_buyer ON evaluation_marks
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());

ALTER TABLE consultation_sans_suite ENABLE ROW LEVEL SECURITY;
ALTER TABLE consultation_sans_suite FORCE ROW LEVEL SECURITY;
CREATE POLICY consultation_sans_suite_of_buyer ON consultation_sans_suite
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());

ALTER TABLE abnormally_low_cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE abnormally_low_cases FORCE ROW LEVEL SECURITY;
CREATE POLICY abnormally_low_cases_of_buyer ON abnormally_low_cases
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());
CREATE POLICY abnormally_low_cases_of_supplier_read ON abnormally_low_cases FOR SELECT
    USING (supplier_siret = unefois_supplier());
CREATE POLICY abnormally_low_cases_of_supplier_answer ON abnormally_low_cases FOR UPDATE
    USING (supplier_siret = unefois_supplier() AND status = 'requested')
    WITH CHECK (supplier_siret = unefois_supplier() AND status = 'requested');

ALTER TABLE award_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE award_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY award_letters_of_buyer ON award_letters
    USING (unefois_supplier() IS NULL AND tenant = unefois_tenant())
    WITH CHECK (unefois_supplier() IS NULL AND tenant = unefois_tenant());
CREATE POLICY award_letters_of_supplier ON award_letters FOR SELECT
    USING (supplier_siret = unefois_supplier());
