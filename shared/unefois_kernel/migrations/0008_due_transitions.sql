-- Time-driven transitions (unefois_kernel.due): a bid deadline reached, a justification deadline
-- passed, a standstill over. A use case schedules a row in its own transaction; the service's
-- DueWorker takes each due row with FOR UPDATE SKIP LOCKED, runs its handler in that same
-- transaction and marks it done there: exactly once, whatever the number of replicas.
CREATE TABLE due_transitions (
    id               bigserial PRIMARY KEY,
    service          text NOT NULL,
    kind             text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
    aggregate_id     text NOT NULL CHECK (length(aggregate_id) BETWEEN 1 AND 128),
    key              text NOT NULL DEFAULT '' CHECK (length(key) <= 128),
    tenant           text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9_-]{1,64}$'),
    due_at           timestamptz NOT NULL,            -- the service's clock, not the database's
    payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,            -- due_at, then later after each failure (back-off)
    last_error       text,
    scheduled_at     timestamptz NOT NULL,
    done_at          timestamptz,
    UNIQUE (service, kind, aggregate_id, key)         -- scheduling twice is rescheduling
);
CREATE INDEX due_transitions_pending ON due_transitions (service, next_attempt_at) WHERE status = 'pending';
CREATE INDEX due_transitions_failed ON due_transitions (service, kind) WHERE status = 'failed';

-- Tenant-scoped like the other kernel tables: a use case schedules, moves and cancels its own
-- tenant's rows only. The worker finds the due rows of every tenant under a transaction-local
-- flag only unefois_kernel.due sets (unefois.due_worker), then drops it and acts in the row's
-- tenant scope for the handler and the done mark.
ALTER TABLE due_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE due_transitions FORCE ROW LEVEL SECURITY;
CREATE POLICY due_transitions_of_tenant ON due_transitions
    USING (tenant = unefois_tenant()) WITH CHECK (tenant = unefois_tenant());
CREATE POLICY due_transitions_of_worker ON due_transitions
    USING (current_setting('unefois.due_worker', true) = 'on')
    WITH CHECK (current_setting('unefois.due_worker', true) = 'on');
