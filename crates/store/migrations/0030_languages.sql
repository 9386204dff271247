-- Languages (issue 14). A BCP 47 tag per person and organisation; NULL means "inherit": a
-- learner or client contact reads their client's language, a client the company's, and the
-- company's default (message_settings.default_language, '' = English) closes the chain.
ALTER TABLE learners ADD COLUMN language TEXT;
ALTER TABLE clients ADD COLUMN language TEXT;
ALTER TABLE instructors ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE message_settings ADD COLUMN default_language TEXT NOT NULL DEFAULT '';

-- The language a session is taught in, shown in the catalog and filterable; NULL: not stated.
ALTER TABLE sessions ADD COLUMN delivery_language TEXT;
CREATE INDEX sessions_delivery_language ON sessions (delivery_language, starts_at);

-- Message wording per event and language; the English row (or the built-in English wording)
-- is the fallback for a language without one. Existing edits are English.
CREATE TABLE message_templates_by_language (
    event TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (event, language)
);
INSERT INTO message_templates_by_language (event, language, subject, body, updated_at, updated_by, version)
    SELECT event, 'en', subject, body, updated_at, updated_by, version FROM message_templates;
DROP TABLE message_templates;
ALTER TABLE message_templates_by_language RENAME TO message_templates;
