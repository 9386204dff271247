-- Scoped API tokens and single sign-on with OpenID Connect (issue 18 §3, §5).
-- Tokens made before scopes existed keep every scope and never expire; new ones always expire.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read scheduling enrollment finance reports admin';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- The organisation's OpenID provider: one row (id = 1). The client secret is needed in clear to
-- redeem codes, so it is kept here and never shown back. role_map holds "claim value = role"
-- lines; default_role is the role of users created on first sign-in ('' creates nobody).
CREATE TABLE sso_settings (
    id BIGINT PRIMARY KEY,
    enabled BIGINT NOT NULL DEFAULT 0,
    issuer_url TEXT NOT NULL DEFAULT '',
    client_id TEXT NOT NULL DEFAULT '',
    client_secret TEXT NOT NULL DEFAULT '',
    password_login BIGINT NOT NULL DEFAULT 1,
    default_role TEXT NOT NULL DEFAULT '',
    role_claim TEXT NOT NULL DEFAULT '',
    role_map TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

-- A sign-in under way at the provider: found by the SHA-256 of its state, used once, short-lived.
CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins (expires_at);
