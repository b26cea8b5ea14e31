-- Errors, throttles and timeouts over a period: only failed attempts are indexed. Almost every record is a success,
-- so the full (outcome, started_at) index cost every insert an index entry that no query of failures reads; this one
-- costs an entry per failure only. A query for one failure outcome (outcome = 'THROTTLED') implies the predicate, so
-- the planner can use it.
DROP INDEX usage_records_outcome_started_at;
CREATE INDEX usage_records_failures_started_at ON usage_records (outcome, started_at) WHERE outcome <> 'SUCCESS';
