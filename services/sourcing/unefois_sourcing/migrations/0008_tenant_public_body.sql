-- The buyer's legal status: a personne publique or not (art. R2131-12 of the code de la
-- commande publique: an adapted procedure's publicity duty depends on it for contracting
-- entities). NULL: not recorded; the rules engine then says it does not decide that case.
ALTER TABLE tenant_profiles ADD COLUMN public_body boolean;
