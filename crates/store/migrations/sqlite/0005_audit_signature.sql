-- The signature of the audit chain's head (HMAC-SHA256 under a key kept outside the database);
-- NULL until the first start after this migration signs it.
ALTER TABLE audit_head ADD COLUMN signature TEXT;
