-- AwardDecided.v2 names the holders in award -> 'holders' (identifier type and identifier, name,
-- role), v1 in award -> 'winners' (siret, name): a supplier (logged in with its SIRET) reads the
-- contracts it holds in either version; the award stays stored as received.
DROP POLICY contracts_of_holder ON contracts;
CREATE POLICY contracts_of_holder ON contracts FOR SELECT
    USING (award -> 'winners' @> jsonb_build_array(jsonb_build_object('siret', unefois_supplier()))
           OR award -> 'holders' @> jsonb_build_array(
                  jsonb_build_object('identifier_type', 'SIRET', 'identifier', unefois_supplier())));
