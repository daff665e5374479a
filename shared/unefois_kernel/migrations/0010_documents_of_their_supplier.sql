-- A supplier's documents (sealed bid parts, complements, justifications, invoice files) belong to
-- that supplier within the buyer's tenant. A supplier acting in a buyer's scope (depositing a bid
-- on its consultation: unefois.tenant = the buyer, unefois.supplier = itself) used to see every
-- document of that buyer by id, another bidder's sealed parts included: the routes only ever
-- looked up ids through supplier-scoped tables, so this is the database's own guard behind them.
--
-- The owner is taken from the writing transaction's scope (the column default), so the storage
-- adapters do not change: a buyer's or the service's own write (DCE files, letters) has no owner
-- and stays readable by whoever is in the tenant's scope; a supplier's write is readable by that
-- supplier and by the buyer's side (no supplier in scope), never by another supplier.
ALTER TABLE documents ADD COLUMN supplier text DEFAULT unefois_supplier();
ALTER TABLE document_chunks ADD COLUMN supplier text DEFAULT unefois_supplier();

DROP POLICY documents_of_tenant ON documents;
CREATE POLICY documents_of_tenant ON documents
    USING (tenant = unefois_tenant()
           AND (unefois_supplier() IS NULL OR supplier IS NULL OR supplier = unefois_supplier()))
    WITH CHECK (tenant = unefois_tenant() AND supplier IS NOT DISTINCT FROM unefois_supplier());

DROP POLICY document_chunks_of_tenant ON document_chunks;
CREATE POLICY document_chunks_of_tenant ON document_chunks
    USING (tenant = unefois_tenant()
           AND (unefois_supplier() IS NULL OR supplier IS NULL OR supplier = unefois_supplier()))
    WITH CHECK (tenant = unefois_tenant() AND supplier IS NOT DISTINCT FROM unefois_supplier());
