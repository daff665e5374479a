-- Notifications (unefois_kernel.notifications): the transactional mail outbox and the in-app messages.

-- Mails rendered by notify() in the use case's transaction; the service's MailSender sends
-- them (one row per transaction, FOR UPDATE SKIP LOCKED) and marks them sent. Like `outbox`,
-- no row-level security: only the service's own loop reads it, for every tenant.
CREATE TABLE outgoing_mail (
    id               bigserial PRIMARY KEY,
    mail_id          uuid NOT NULL UNIQUE,            -- the Message-ID, the same at every attempt
    tenant           text NOT NULL,                   -- the buyer whose procedure sent it
    to_email         text NOT NULL CHECK (length(to_email) BETWEEN 3 AND 320 AND position('@' IN to_email) > 1),
    template         text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text NOT NULL,
    created_at       timestamptz NOT NULL,            -- the service's clock
    next_attempt_at  timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    sent_at          timestamptz
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at, id) WHERE sent_at IS NULL;

-- The person the current transaction acts for (the token subject), set by the messages
-- router; NULL when unset, so that a policy comparing with it matches nothing.
CREATE FUNCTION unefois_person() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('unefois.person', true), '') $$;

-- In-app messages: to an organisation (buyer or supplier SIRET), to a person, or to a person
-- of that organisation (both given: both must match).
CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    tenant            text NOT NULL,                  -- the buyer whose procedure sent it
    recipient_siret   text CHECK (recipient_siret ~ '^[0-9]{14}$'),
    recipient_person  text CHECK (length(recipient_person) BETWEEN 1 AND 256),
    template          text NOT NULL,
    subject           text NOT NULL,
    body              text NOT NULL,
    link              text,
    created_at        timestamptz NOT NULL,           -- the service's clock
    read_at           timestamptz,
    CHECK (recipient_siret IS NOT NULL OR recipient_person IS NOT NULL)
);
CREATE INDEX messages_of_organisation ON messages (recipient_siret, created_at DESC) WHERE recipient_siret IS NOT NULL;
CREATE INDEX messages_of_person ON messages (recipient_person, created_at DESC) WHERE recipient_person IS NOT NULL;

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
-- Written by the sender's use case, in its tenant's scope (a supplier acting for a buyer too).
CREATE POLICY messages_written_by_tenant ON messages FOR INSERT WITH CHECK (tenant = unefois_tenant());
-- Read, and marked read, by the recipient only.
CREATE POLICY messages_read_by_recipient ON messages FOR SELECT USING (
    (recipient_siret IS NULL OR recipient_siret = unefois_tenant() OR recipient_siret = unefois_supplier())
    AND (recipient_person IS NULL OR recipient_person = unefois_person()));
CREATE POLICY messages_marked_by_recipient ON messages FOR UPDATE USING (
    (recipient_siret IS NULL OR recipient_siret = unefois_tenant() OR recipient_siret = unefois_supplier())
    AND (recipient_person IS NULL OR recipient_person = unefois_person()));
