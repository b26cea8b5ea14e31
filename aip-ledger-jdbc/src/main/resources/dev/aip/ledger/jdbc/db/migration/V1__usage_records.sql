-- The usage ledger: one row per model call attempt (one UsageRecord), written by every replica, keyed by record id
-- so a record written twice (a retried batch, a spool drained after a partial success) is stored once.
CREATE TABLE usage_records (
    record_id                 text        PRIMARY KEY,
    call_id                   text        NOT NULL,
    attempt                   integer     NOT NULL,
    tenant                    text        NOT NULL,
    tier                      text        NOT NULL,
    operation                 text        NOT NULL,  -- wire name: Converse, ConverseStream, InvokeModel, ...
    requested_model           text        NOT NULL,  -- the logical model the caller asked for
    profile_arn               text,
    profile_id                text,
    source_model_id           text,
    region                    text        NOT NULL,
    pooled_profile            boolean     NOT NULL,
    input_tokens              bigint      NOT NULL,
    output_tokens             bigint      NOT NULL,
    cache_read_input_tokens   bigint      NOT NULL,
    cache_write_input_tokens  bigint      NOT NULL,
    provenance                text        NOT NULL,
    cost_status               text        NOT NULL,  -- PRICED or UNKNOWN_MODEL
    cost                      numeric,               -- exact; null when the model had no price
    currency                  text        NOT NULL,
    price_catalog_version     text        NOT NULL,
    outcome                   text        NOT NULL,
    error_code                text,
    started_at                timestamptz NOT NULL,  -- truncated to the microsecond; exact value with started_at_nanos
    started_at_nanos          integer     NOT NULL,  -- nanosecond of the second
    latency_nanos             bigint      NOT NULL,
    time_to_first_token_nanos bigint,
    aws_request_id            text,
    attributes                jsonb       NOT NULL DEFAULT '{}'::jsonb,
    stored_at                 timestamptz NOT NULL DEFAULT now()
);

-- Billing per tenant per hour or day, and one tenant's records over a period.
CREATE INDEX usage_records_tenant_started_at ON usage_records (tenant, started_at);
-- Usage and cost per logical model over a period.
CREATE INDEX usage_records_model_started_at ON usage_records (requested_model, started_at);
-- Errors, throttles and timeouts over a period.
CREATE INDEX usage_records_outcome_started_at ON usage_records (outcome, started_at);
-- Everything over a period (reports, exports).
CREATE INDEX usage_records_started_at ON usage_records (started_at);
