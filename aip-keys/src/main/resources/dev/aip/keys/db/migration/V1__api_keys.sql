-- API keys: one row per key, never the key itself. A key is "aip-sk-<key_id>-<secret>"; the row keeps the key id
-- (not secret: it names the key in lists and logs) and the SHA-256 of the whole key.
CREATE TABLE aip_api_keys (
    key_id               text        PRIMARY KEY,
    tenant               text        NOT NULL,
    name                 text        NOT NULL,
    key_sha256           bytea       NOT NULL,
    -- The hash of the secret a rotation replaced, accepted until previous_valid_until.
    previous_sha256      bytea,
    previous_valid_until timestamptz,
    created_at           timestamptz NOT NULL,
    rotated_at           timestamptz,
    expires_at           timestamptz,
    revoked_at           timestamptz,
    requests_per_minute  bigint      NOT NULL DEFAULT 0 CHECK (requests_per_minute >= 0),  -- 0: no limit
    tokens_per_minute    bigint      NOT NULL DEFAULT 0 CHECK (tokens_per_minute >= 0),    -- 0: no limit
    -- The change counter: every write takes the next value, so a replica reads only the rows changed since the
    -- highest version it has seen. Writers serialise on an advisory lock, so versions commit in order.
    version              bigint      NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE SEQUENCE aip_api_keys_version;

CREATE UNIQUE INDEX aip_api_keys_by_version ON aip_api_keys (version);
CREATE INDEX aip_api_keys_by_tenant ON aip_api_keys (tenant, created_at);
