-- Suppliers' questions on a published consultation (read by the buyer and by the supplier who
-- asked) and the answers the buyer publishes (readable by anyone, without the asker: a table of
-- their own, so no policy or query on it can reach who asked).
CREATE TABLE consultation_questions (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    supplier_siret   text NOT NULL,
    supplier_name    text NOT NULL,
    person           text NOT NULL,
    person_name      text NOT NULL,
    email            text,
    question         text NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
    asked_at         timestamptz NOT NULL,
    answer           text,
    answered_at      timestamptz,
    published_answer_id uuid
);
CREATE INDEX consultation_questions_of_consultation ON consultation_questions (consultation_id, asked_at);

CREATE TABLE published_answers (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    question         text NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
    answer           text NOT NULL CHECK (length(answer) BETWEEN 1 AND 8000),
    published_at     timestamptz NOT NULL
);
CREATE INDEX published_answers_of_consultation ON published_answers (consultation_id, published_at);

ALTER TABLE consultation_questions ENABLE ROW LEVEL SECURITY;
ALTER TABLE consultation_questions FORCE ROW LEVEL SECURITY;
CREATE POLICY consultation_questions_read ON consultation_questions FOR SELECT
    USING (tenant = unefois_tenant() OR supplier_siret = unefois_supplier());
CREATE POLICY consultation_questions_insert ON consultation_questions FOR INSERT
    WITH CHECK (tenant = unefois_tenant() AND supplier_siret = unefois_supplier());
-- Answered by the buyer: in the buyer's scope only (a supplier's unit of work never sets the
-- buyer's tenant without also setting its own supplier scope, and answers no question).
CREATE POLICY consultation_questions_answer ON consultation_questions FOR UPDATE
    USING (tenant = unefois_tenant() AND unefois_supplier() IS NULL) WITH CHECK (tenant = unefois_tenant());

ALTER TABLE published_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE published_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY published_answers_read ON published_answers FOR SELECT USING (true);
CREATE POLICY published_answers_insert ON published_answers FOR INSERT
    WITH CHECK (tenant = unefois_tenant() AND unefois_supplier() IS NULL);
