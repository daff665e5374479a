-- The scope of the current transaction, set by unefois_kernel.tenancy.set_scope().
-- NULL when unset or empty, so that a policy comparing with it matches nothing.
CREATE FUNCTION unefois_tenant() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('unefois.tenant', true), '') $$;
CREATE FUNCTION unefois_supplier() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('unefois.supplier', true), '') $$;
