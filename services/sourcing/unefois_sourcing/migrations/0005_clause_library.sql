-- Clause library: social and environmental clause templates a need can pick.
-- tenant NULL = the platform's shared library (readable by every buyer); otherwise a
-- buyer's own templates, visible to that buyer only.
CREATE TABLE clauses (
    id             uuid PRIMARY KEY,
    tenant         text,
    kind           text NOT NULL CHECK (kind IN ('social', 'environmental')),
    consideration  text NOT NULL,        -- the DECP value the clause sets
    title          text NOT NULL,
    body           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (
        (kind = 'social' AND consideration IN ('Clause sociale', 'Critère social', 'Marché réservé'))
        OR (kind = 'environmental' AND consideration IN ('Clause environnementale', 'Critère environnemental'))
    )
);
-- The platform's library (wording adapted from the common practice of French buyers'
-- guides; buyers adapt them to their need).
INSERT INTO clauses (id, tenant, kind, consideration, title, body) VALUES
('6f1d2c1e-3c1a-4b51-9a53-0a1b00000001', NULL, 'social', 'Clause sociale',
 'Insertion par l''activité économique',
 'Le titulaire réserve à l''insertion de personnes éloignées de l''emploi un nombre d''heures de travail au moins égal à 5 % des heures travaillées pour l''exécution du marché (art. L2112-2 du code de la commande publique).'),
('6f1d2c1e-3c1a-4b51-9a53-0a1b00000002', NULL, 'social', 'Critère social',
 'Critère de performance en matière d''insertion',
 'Les offres sont notamment jugées sur les performances en matière d''insertion professionnelle des publics en difficulté (art. R2152-7).'),
('6f1d2c1e-3c1a-4b51-9a53-0a1b00000003', NULL, 'social', 'Marché réservé',
 'Marché réservé aux entreprises adaptées et ESAT',
 'Le marché est réservé aux entreprises adaptées, aux établissements et services d''aide par le travail et aux structures équivalentes (art. L2113-12).'),
('6f1d2c1e-3c1a-4b51-9a53-0a1b00000004', NULL, 'environmental', 'Clause environnementale',
 'Gestion et valorisation des déchets de chantier',
 'Le titulaire trie les déchets de chantier à la source et justifie de leur valorisation dans des filières agréées ; il remet les bordereaux de suivi au maître d''ouvrage.'),
('6f1d2c1e-3c1a-4b51-9a53-0a1b00000005', NULL, 'environmental', 'Critère environnemental',
 'Critère de performance environnementale',
 'Les offres sont notamment jugées sur leurs performances en matière de protection de l''environnement (art. R2152-7), par exemple l''empreinte carbone des fournitures et du transport.'),
('6f1d2c1e-3c1a-4b51-9a53-0a1b00000006', NULL, 'environmental', 'Clause environnementale',
 'Produits issus de l''économie circulaire',
 'Une part des fournitures est issue du réemploi, de la réutilisation ou intègre des matières recyclées, conformément à l''article 58 de la loi n° 2020-105 (AGEC).');

-- After the seed: the policies are forced, and the shared library has no tenant to write it under.
ALTER TABLE clauses ENABLE ROW LEVEL SECURITY;
ALTER TABLE clauses FORCE ROW LEVEL SECURITY;
CREATE POLICY clauses_shared_or_own ON clauses FOR SELECT
    USING (tenant IS NULL OR tenant = unefois_tenant());
CREATE POLICY clauses_own_write ON clauses FOR INSERT
    WITH CHECK (tenant = unefois_tenant());

