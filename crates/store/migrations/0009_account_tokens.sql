-- Single-use links sent by e-mail: confirming a registration, signing in, setting a password.
-- Only the SHA-256 of the secret is stored; a link works once (`used_at`) and until `expires_at`.
-- A registration is confirmed before anything exists: its token carries the e-mail, the session
-- and the names typed (`payload`, JSON), and no user until the link is followed.
CREATE TABLE account_tokens (
    id {{ID}},
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    session_id BIGINT,
    payload TEXT NOT NULL DEFAULT '{}',
    token_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_tokens_hash ON account_tokens (token_hash);
-- Counting recent links per address (a flood of registrations must not flood a mailbox).
CREATE INDEX account_tokens_email ON account_tokens (email, created_at);
