-- Supplier directory: establishments by SIRET, imported from INSEE's SIRENE open data
-- (python -m unefois_sourcing.suppliers.import_sirene).
--
-- Platform-wide, NOT tenant data: no `tenant` column and no row-level security, on purpose.
-- SIRENE is public information (Licence Ouverte), the same for every buyer; one copy serves
-- them all, and any buyer's market research may find any company. Nothing a buyer enters
-- goes here (quotes, shortlists and notes are tenant tables with their own policies).
-- Writes come from the import only; the API reads.

-- Trigram index for name search when pg_trgm can be had: it is a "trusted" extension since
-- PostgreSQL 13, so the database owner (the service role) may create it, but it ships in
-- contrib, which a server may lack, and a role may not own its database. Without it, the
-- search falls back to LIKE (unefois_sourcing.suppliers.repository checks which).
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%): supplier name search falls back to LIKE', SQLERRM;
END
$$;

CREATE TABLE suppliers (
    siret              text PRIMARY KEY CHECK (siret ~ '^[0-9]{14}$'),
    siren              text NOT NULL CHECK (siren ~ '^[0-9]{9}$' AND siret LIKE siren || '%'),
    name               text NOT NULL,
    search_name        text NOT NULL,          -- name lower-cased, accents and punctuation removed
    address_line       text,                   -- "12 bis Avenue DES CHAMPS"
    address_complement text,
    postal_code        text,
    city               text,
    commune_code       text,                   -- INSEE code (COG), NULL abroad
    country            text,                   -- NULL: France
    size_category      text CHECK (size_category IN ('PME', 'ETI', 'GE')),
    size_basis         text CHECK (size_basis IN ('categorieEntreprise', 'trancheEffectifsEtablissement')),
    naf_code           text,
    head_office        boolean NOT NULL DEFAULT false,
    active             boolean NOT NULL DEFAULT true,  -- etatAdministratifEtablissement <> 'F'
    cpv_interests      text[] NOT NULL DEFAULT '{}',   -- 8-digit CPV codes; kept across re-imports
    source             text NOT NULL DEFAULT 'sirene',
    sirene_updated_at  timestamp,              -- dateDernierTraitementEtablissement
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suppliers_siren ON suppliers (siren);
CREATE INDEX suppliers_commune ON suppliers (commune_code);
CREATE INDEX suppliers_cpv_interests ON suppliers USING gin (cpv_interests);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX suppliers_search_name_trgm ON suppliers USING gin (search_name gin_trgm_ops)';
    ELSE
        EXECUTE 'CREATE INDEX suppliers_search_name_prefix ON suppliers (search_name text_pattern_ops)';
    END IF;
END
$$;
