-- Who the organisation's e-mails come from: one row, edited by administrators. Empty values mean
-- "not configured": the SMTP sender (`--smtp-from`) and the name "Trainyard" are used instead.
CREATE TABLE message_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    company_name TEXT NOT NULL DEFAULT '',
    sender_email TEXT NOT NULL DEFAULT '',
    reply_to TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1
);
