-- A notice to a very large audience (the parents of thousands of schools) is addressed after
-- the request that sends it, a batch of units at a time: the last unit addressed so far, NULL
-- once every unit of the audience is.
ALTER TABLE notices ADD COLUMN addressed_through BIGINT;
CREATE INDEX notices_addressing ON notices (id) WHERE addressed_through IS NOT NULL;
