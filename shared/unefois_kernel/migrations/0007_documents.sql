-- Documents (DCE files, sealed bids, receipts, letters, invoice files) behind the storage port
-- unefois_kernel.storage. One metadata row per document, whichever adapter holds the content:
-- the filesystem (a file per document, sharded by id) or PostgreSQL (document_chunks below).
-- Both tables are tenant-scoped like the other kernel tables: a buyer's transaction sees its
-- own documents only, an unscoped one none.
CREATE TABLE documents (
    id          uuid PRIMARY KEY,
    tenant      text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9_-]{1,64}$'),
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
    filename    text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    size        bigint NOT NULL CHECK (size >= 0),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type  text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 127),
    backend     text NOT NULL CHECK (backend IN ('filesystem', 'postgres')),
    created_at  timestamptz NOT NULL
);
CREATE INDEX documents_of_tenant ON documents (tenant, kind, created_at);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_of_tenant ON documents
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());

-- The PostgreSQL adapter's content: one row per chunk (at most 64 KiB), read back in order with
-- a cursor. The foreign key is checked at commit, so the chunks are written while the content
-- streams in and the metadata row (size and hash known only at the end) after them.
CREATE TABLE document_chunks (
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    seq         integer NOT NULL CHECK (seq >= 0),
    tenant      text NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (document_id, seq)
);

ALTER TABLE document_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY document_chunks_of_tenant ON document_chunks
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
