-- The buyer's name as the notified contract carried it (ContractNotified.purchase.buyer.name),
-- for the public pages: the DECP record itself names the buyer by SIRET only. Additive:
-- records published before this migration keep a NULL name and the pages show their SIRET.
ALTER TABLE decp_records ADD COLUMN buyer_name text;
