-- softtoken-server schema. Portable between SQLite and PostgreSQL: only
-- TEXT and BIGINT columns (binary values are base64url text), no
-- auto-increment, no booleans.

-- An enrollment: made by an administrator, activated once by the app.
CREATE TABLE enrollments (
    id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    account TEXT NOT NULL,
    -- HMAC of the activation code under a key derived from the server key.
    code_hash TEXT NOT NULL,
    -- Prescribing device IDs, comma-separated.
    pdids TEXT NOT NULL,
    sync_seconds BIGINT NOT NULL,
    otp TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    digits BIGINT NOT NULL,
    period BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries BIGINT NOT NULL,
    -- pending | activating | done | void
    state TEXT NOT NULL,
    credential_id TEXT,
    created_by TEXT NOT NULL
);
CREATE INDEX enrollments_account ON enrollments (account);

-- A token the server verifies: a soft token bound to a device, or a hard
-- token (key fob) imported from PSKC and later assigned to an account.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    -- soft | hard
    class TEXT NOT NULL,
    issuer TEXT NOT NULL,
    -- Empty for a hard token not yet activated.
    account TEXT NOT NULL,
    otp TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    digits BIGINT NOT NULL,
    period BIGINT NOT NULL,
    device_id TEXT,
    serial TEXT,
    enrollment_id TEXT,
    -- ChaCha20-Poly1305 under the server key, AAD = id.
    sealed_seed TEXT NOT NULL,
    -- The app's key-confirmation MAC, expected at /v1/activate/confirm.
    confirm_mac TEXT NOT NULL,
    -- unconfirmed | active | revoked | stock (hard token not yet activated)
    state TEXT NOT NULL,
    confirm_by BIGINT NOT NULL,
    ready_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    bound_at BIGINT,
    last_used BIGINT,
    revoked_at BIGINT,
    -- TOTP: last accepted time step; HOTP: last accepted counter; -1 none.
    last_counter BIGINT NOT NULL,
    -- TOTP: steps the token's clock was off at its last accepted code.
    drift BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    throttled_until BIGINT NOT NULL
);
CREATE INDEX credentials_account ON credentials (account);
CREATE UNIQUE INDEX credentials_serial ON credentials (serial);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- verify | admin
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- The audit trail: each row's hash is an HMAC over the previous row's hash
-- and this row's fields, so an edit or a deletion breaks the chain.
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- The chain's head: every audited transaction updates it first, which
-- orders the appends (and serialises writers on SQLite without deadlock).
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
