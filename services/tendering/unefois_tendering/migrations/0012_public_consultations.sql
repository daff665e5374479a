-- The public projection of published consultations (issue 11, public side): readable by anyone
-- (anonymous visitors search and read it), written by the buyer's tenant only, in the
-- publication's own transaction (public.service.project_published). What a supplier needs to
-- decide to answer; the open/closed status is computed from the clock when read (bid_deadline).
-- No foreign key to consultations on purpose: a read model, rebuilt from it if need be.
--
-- Search: `document` is the unaccented text (the application removes accents, public.domain.
-- normalise) under both the french configuration (stemmed: "nettoyage" finds "nettoyer") and
-- the simple one (unstemmed words, for the prefix match of the last word typed), GIN-indexed.
-- CPV subtree: every 2-to-8-digit prefix of the main and additional codes in `cpv_prefixes`,
-- GIN-indexed, so "45" or "452" is an exact array match.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%): the buyer name filter scans', SQLERRM;
END
$$;

CREATE TABLE public_consultations (
    consultation_id   uuid PRIMARY KEY,
    tenant            text NOT NULL,
    reference         text NOT NULL,
    buyer_siret       text NOT NULL,
    buyer_name        text NOT NULL,
    buyer_search      text NOT NULL,          -- the name unaccented, lower case
    object            text NOT NULL,
    description       text NOT NULL DEFAULT '',
    nature            text NOT NULL,
    procedure         text NOT NULL,
    main_cpv          text NOT NULL,
    additional_cpvs   text[] NOT NULL DEFAULT '{}',
    cpv_prefixes      text[] NOT NULL,
    place_code        text NOT NULL,
    place_type        text NOT NULL,
    department        text,                   -- NULL: a region, a country, ...
    commune           text,                   -- INSEE code when the place is a commune
    lots              jsonb NOT NULL DEFAULT '[]',   -- [{"number": 1, "title": "..."}]
    details           jsonb NOT NULL DEFAULT '{}',   -- questions deadline, duration, criteria, variants, documents
    published_at      timestamptz NOT NULL,
    bid_deadline      timestamptz NOT NULL,
    document          tsvector NOT NULL
);

CREATE INDEX public_consultations_document ON public_consultations USING gin (document);
CREATE INDEX public_consultations_cpv ON public_consultations USING gin (cpv_prefixes);
CREATE INDEX public_consultations_deadline ON public_consultations (bid_deadline, consultation_id);
CREATE INDEX public_consultations_published ON public_consultations (published_at DESC, consultation_id);
CREATE INDEX public_consultations_department ON public_consultations (department, bid_deadline);
CREATE INDEX public_consultations_commune ON public_consultations (commune, bid_deadline) WHERE commune IS NOT NULL;
CREATE INDEX public_consultations_buyer ON public_consultations (buyer_siret, bid_deadline);
DO $$
BEGIN
    CREATE INDEX public_consultations_buyer_name ON public_consultations USING gin (buyer_search gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no trigram index on the buyer name (%)', SQLERRM;
END
$$;

ALTER TABLE public_consultations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_consultations FORCE ROW LEVEL SECURITY;
CREATE POLICY public_consultations_read ON public_consultations FOR SELECT USING (true);
CREATE POLICY public_consultations_insert ON public_consultations FOR INSERT
    WITH CHECK (tenant = unefois_tenant());
CREATE POLICY public_consultations_update ON public_consultations FOR UPDATE
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
