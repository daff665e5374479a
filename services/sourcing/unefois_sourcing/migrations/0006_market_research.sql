-- Market research of a need: notes, compared quotes, a shortlist of suppliers to invite.
CREATE TABLE market_research (
    need_id   uuid PRIMARY KEY REFERENCES needs (id),
    tenant    text NOT NULL,
    notes     text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE quotes (
    id              uuid PRIMARY KEY,
    need_id         uuid NOT NULL REFERENCES needs (id),
    tenant          text NOT NULL,
    supplier_siret  text NOT NULL,
    supplier_name   text NOT NULL,
    amount          numeric(15, 2) NOT NULL CHECK (amount > 0),
    received_on     date NOT NULL,
    chosen          boolean NOT NULL DEFAULT false,
    choice_reason   text,
    UNIQUE (need_id, supplier_siret)
);
CREATE UNIQUE INDEX quotes_one_chosen ON quotes (need_id) WHERE chosen;
CREATE TABLE shortlist (
    need_id         uuid NOT NULL REFERENCES needs (id),
    tenant          text NOT NULL,
    supplier_siret  text NOT NULL,
    supplier_name   text NOT NULL,
    PRIMARY KEY (need_id, supplier_siret)
);

ALTER TABLE market_research ENABLE ROW LEVEL SECURITY;
ALTER TABLE market_research FORCE ROW LEVEL SECURITY;
CREATE POLICY market_research_of_tenant ON market_research
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
ALTER TABLE quotes ENABLE ROW LEVEL SECURITY;
ALTER TABLE quotes FORCE ROW LEVEL SECURITY;
CREATE POLICY quotes_of_tenant ON quotes
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
ALTER TABLE shortlist ENABLE ROW LEVEL SECURITY;
ALTER TABLE shortlist FORCE ROW LEVEL SECURITY;
CREATE POLICY shortlist_of_tenant ON shortlist
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
