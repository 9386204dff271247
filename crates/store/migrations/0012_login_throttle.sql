-- Login throttling counts attempts as they start, not failures after the fact: each attempt
-- claims a slot by one atomic upsert before its password is checked, so concurrent guesses cannot
-- all be checked. One row per bucket (an account and address pair, an address, an account) and
-- fixed window; a successful login gives its slots back. Replaces the per-failure rows of
-- `login_failures`, which were counted after the (slow) password check.
CREATE TABLE login_throttle (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);
