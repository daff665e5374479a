-- The DCE (dossier de consultation des entreprises): the consultation's files (content in the
-- kernel's document store, table documents), their versions, the amendments that changed them
-- after publication, and the registry of signed-in withdrawals (« registre des retraits »).
CREATE TABLE dce_amendments (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    created_at       timestamptz NOT NULL,
    created_by       text NOT NULL
);
CREATE INDEX dce_amendments_of_consultation ON dce_amendments (consultation_id, created_at);

CREATE TABLE dce_documents (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    document_id      uuid NOT NULL,            -- the kernel document (content, size, hash)
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    filename         text NOT NULL,
    size             bigint NOT NULL CHECK (size >= 0),
    sha256           text NOT NULL,
    media_type       text NOT NULL,
    lineage          uuid NOT NULL,            -- the id of the file's first version
    version          integer NOT NULL CHECK (version >= 1),
    added_at         timestamptz NOT NULL,
    amendment_id     uuid REFERENCES dce_amendments (id),  -- NULL: part of the DCE as first published
    replaced_by      uuid REFERENCES dce_documents (id),
    replaced_at      timestamptz,
    UNIQUE (lineage, version)
);
CREATE INDEX dce_documents_of_consultation ON dce_documents (consultation_id, added_at);

CREATE TABLE dce_downloads (
    id               uuid PRIMARY KEY,
    tenant           text NOT NULL,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    dce_document_id  uuid REFERENCES dce_documents (id),  -- NULL: the ZIP of every current file
    supplier_siret   text NOT NULL,
    supplier_name    text NOT NULL,
    person           text NOT NULL,   -- the token subject
    person_name      text NOT NULL,
    email            text,
    downloaded_at    timestamptz NOT NULL
);
CREATE INDEX dce_downloads_of_consultation ON dce_downloads (consultation_id, downloaded_at);

ALTER TABLE dce_amendments ENABLE ROW LEVEL SECURITY;
ALTER TABLE dce_amendments FORCE ROW LEVEL SECURITY;
CREATE POLICY dce_amendments_of_tenant ON dce_amendments
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());

ALTER TABLE dce_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE dce_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY dce_documents_of_tenant ON dce_documents
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());

-- A withdrawal is read by the buyer (tenant) and by the supplier who made it; it is written in
-- the buyer's scope by that supplier (the use case has checked the consultation is published).
ALTER TABLE dce_downloads ENABLE ROW LEVEL SECURITY;
ALTER TABLE dce_downloads FORCE ROW LEVEL SECURITY;
CREATE POLICY dce_downloads_read ON dce_downloads FOR SELECT
    USING (tenant = unefois_tenant() OR supplier_siret = unefois_supplier());
CREATE POLICY dce_downloads_insert ON dce_downloads FOR INSERT
    WITH CHECK (tenant = unefois_tenant() AND supplier_siret = unefois_supplier());
