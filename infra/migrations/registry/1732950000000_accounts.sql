-- Up Migration

-- The accounts of the erasure service. An id is an account name, never a person's name
-- (the same rule as ERASURE_ROLES). A password account has both an argon2id hash and a
-- TOTP secret; a single-sign-on account has neither (its provider checks the person).
CREATE TABLE accounts (
  id             text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9._-]{0,63}$'),
  role           text NOT NULL CHECK (role IN ('coordinator', 'screened-reviewer', 'privacy-officer', 'administrator')),
  password_hash  text CHECK (password_hash LIKE '$argon2id$%'),
  totp_secret    text,
  -- The last TOTP time step accepted: a code of that step or earlier is a replay.
  totp_last_step bigint,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- The administrator who added it; NULL for the demo set-up and single sign-on.
  created_by     text,
  -- The console speaks each account's own language (docs/ARCHITECTURE.md, "The console").
  language       text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'nl')),
  CONSTRAINT accounts_factors_whole CHECK ((password_hash IS NULL) = (totp_secret IS NULL))
);

-- Failed sign-ins by the NAME TRIED, not by account: a name that is no account is
-- throttled exactly like one that is, so the lockout says nothing about who exists.
CREATE TABLE login_failures (
  name            text PRIMARY KEY CHECK (length(name) <= 256),
  failures        integer NOT NULL DEFAULT 0,
  -- How many times this name was locked since its last success: each lock lasts twice the last.
  lockouts        integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  last_failure_at timestamptz NOT NULL
);

-- Sessions hold the SHA-256 of the token only: a copy of this table opens no session.
-- `from_address` is the `from` of a session (FROM is a reserved word in SQL).
CREATE TABLE sessions (
  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id   text NOT NULL REFERENCES accounts (id),
  role         text NOT NULL,
  method       text NOT NULL CHECK (method IN ('password', 'sso')),
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  step_up_at   timestamptz,
  ended_at     timestamptz,
  end_reason   text CHECK (end_reason IN ('logout', 'expired', 'disabled', 'role-changed')),
  from_address text,
  CONSTRAINT sessions_end_whole CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX sessions_open_by_account ON sessions (account_id) WHERE ended_at IS NULL;

-- What the security officer reads: sign-ins, lockouts, account changes. Append-only like
-- the certificate ledger, so that whoever gains write access cannot tidy up behind them.
CREATE TABLE security_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  event        text NOT NULL,
  account_id   text,
  from_address text,
  detail       text NOT NULL DEFAULT ''
);
CREATE INDEX security_log_by_account ON security_log (account_id, id);

CREATE FUNCTION security_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the security log is append-only: % is refused', TG_OP;
END;
$$;
CREATE TRIGGER security_log_append_only
  BEFORE UPDATE OR DELETE ON security_log
  FOR EACH ROW EXECUTE FUNCTION security_log_append_only();
-- TRUNCATE fires no row trigger: refuse it per statement.
CREATE TRIGGER security_log_no_truncate
  BEFORE TRUNCATE ON security_log
  FOR EACH STATEMENT EXECUTE FUNCTION security_log_append_only();

-- Down Migration
DROP TRIGGER security_log_no_truncate ON security_log;
DROP TRIGGER security_log_append_only ON security_log;
DROP TABLE security_log;
DROP FUNCTION security_log_append_only();
DROP TABLE sessions;
DROP TABLE login_failures;
DROP TABLE accounts;
