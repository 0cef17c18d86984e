-- One story, one entry (issue 10): the same article reached through two feeds of a site, or the
-- same address from different feeds, is stored once. canonical_key is
-- lanhmang_domain::news::canonical_url of the entry's link (scheme, tracking parameters,
-- fragment, default port and trailing slash do not count); an entry without a link keeps a key
-- of its own feed. Rows stored before this migration get their key from the store right after
-- it (Rust computes it), which folds duplicates into the copy stored first, topics included.
-- NULL (not yet computed) never conflicts.
ALTER TABLE news_entries ADD COLUMN canonical_key TEXT;
CREATE UNIQUE INDEX news_entries_canonical ON news_entries (canonical_key);
