-- Accounts, sessions, one-time tokens, throttling, the e-mail outbox and
-- the tamper-evident audit log: the tables. Every state change that must
-- be atomic is one function in sql/ (10_foundation.sql, 20_accounts.sql),
-- called in one statement (KORE.md #4).

CREATE EXTENSION IF NOT EXISTS citext;

-- The role the application connects as. It owns nothing, and may only
-- read and append the audit log (see the grants at the end).
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'laurel_app') THEN
		CREATE ROLE laurel_app LOGIN;
	END IF;
END
$$;

CREATE TABLE users (
	id		bigserial PRIMARY KEY,
	email		citext NOT NULL UNIQUE,
	display_name	text NOT NULL,
	password_hash	text NOT NULL,
	is_admin	boolean NOT NULL DEFAULT false,
	verified_at	timestamptz,
	disabled_at	timestamptz,
	totp_secret	text,			-- base32; NULL until confirmed
	totp_pending	text,			-- base32 being enrolled
	totp_last_step	bigint NOT NULL DEFAULT 0,	-- no code used twice
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (char_length(display_name) BETWEEN 1 AND 200),
	CHECK (char_length(email) BETWEEN 3 AND 254)
);

-- Only the SHA-256 of a session token is stored; the cookie holds the token.
CREATE TABLE sessions (
	token_hash	text PRIMARY KEY,		-- hex SHA-256
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	csrf		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,		-- absolute limit
	mfa_ok		boolean NOT NULL DEFAULT true,	-- false between password and TOTP
	ip		inet,
	user_agent	text
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Single-use links: e-mail verification, password reset, e-mail change.
CREATE TABLE user_tokens (
	token_hash	text PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	purpose		text NOT NULL CHECK (purpose IN ('verify', 'reset', 'email')),
	new_email	citext,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

CREATE TABLE recovery_codes (
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	code_hash	text NOT NULL,
	used_at		timestamptz,
	PRIMARY KEY (user_id, code_hash)
);

-- Fixed-window counters: key is e.g. 'login-ip:203.0.113.7'.
CREATE TABLE throttle (
	key		text PRIMARY KEY,
	window_start	timestamptz NOT NULL,
	hits		integer NOT NULL
);

-- Mail is written here in the same transaction as the change that causes
-- it; `laurelctl mail` delivers it.
CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,
	to_addr		text NOT NULL,
	subject		text NOT NULL,
	body		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz,
	last_error	text
);
CREATE INDEX outbox_pending ON outbox (next_attempt) WHERE sent_at IS NULL;

-- Append-only, hash-chained audit log. hash = SHA-256 of prev_hash and
-- the row's canonical text (audit_canonical); the triggers audit_chain and
-- audit_append_only (sql/10_foundation.sql) keep it so, and `laurelctl
-- audit verify` recomputes the chain independently of this database code.
CREATE TABLE audit (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor_id	bigint,			-- NULL: anonymous or the system
	action		text NOT NULL,		-- e.g. 'user.register'
	subject		text NOT NULL DEFAULT '',	-- e.g. 'user:42'
	ip		text NOT NULL DEFAULT '',
	before		jsonb,
	after		jsonb,
	prev_hash	text NOT NULL,
	hash		text NOT NULL
);

-- The id comes from the trigger audit_chain alone (under its lock), not a
-- default.
ALTER TABLE audit ALTER COLUMN id DROP DEFAULT;

-- The grants: everything for the app but audit, which it may only read
-- and append to (the trigger audit_append_only refuses changes to anyone).
GRANT USAGE ON SCHEMA public TO laurel_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, sessions, user_tokens,
    recovery_codes, throttle, outbox, app_info TO laurel_app;
GRANT SELECT, INSERT ON audit TO laurel_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM laurel_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO laurel_app;
