-- News search at a million entries (issue 11, §6). The FTS5 index news_fts matched words only:
-- the scope, site, topic and date of a match were checked row by row in news_entries, and the
-- newest matches had to be sorted or found by probing the index once per row. news_search holds
-- everything a search filters on, so a search is one full-text query:
--   rowid  the search key: the entry's publication time in Unix seconds times 2^30, plus its id.
--          Keys sort as (published_at, id), so "newest first" is the index read backwards and a
--          date filter is a rowid range; the id is the key's low 30 bits (ids stay below 2^30).
--   words  the folded text (news_entries.folded), what people's words and phrases match.
--   tags   what filters match, words people cannot type into `words`: u<unit id, 12 digits> for
--          the entry's unit and each unit above it (a subtree is one token), s<site id>, press
--          for an entry without a site, t<topic id> for each topic it belongs to.
-- Contentless (the text is in news_entries) with deletes by rowid; kept by the triggers below in
-- the transaction of each change: an entry stored, changed or removed, a topic membership added
-- or removed, a unit moved.

DROP TRIGGER news_entries_ai;
DROP TRIGGER news_entries_ad;
DROP TRIGGER news_entries_au;
DROP TABLE news_fts;

CREATE VIRTUAL TABLE news_search USING fts5(words, tags, content = '', contentless_delete = 1);

-- One entry's row: (key, words, tags), for the entries chosen by the WHERE clause each trigger adds.
CREATE VIEW news_search_source AS
SELECT
    e.id AS entry_id,
    e.unit_id AS unit_id,
    unixepoch(e.published_at) * 1073741824 + e.id AS key,
    e.folded AS words,
    trim(
        coalesce((SELECT 'u' || replace(trim(u.path, '/'), '/', ' u') FROM units u WHERE u.id = e.unit_id), '')
        || CASE WHEN e.site_id IS NULL THEN ' press' ELSE ' s' || e.site_id END
        || coalesce((SELECT ' ' || group_concat('t' || t.topic_id, ' ') FROM news_entry_topics t WHERE t.entry_id = e.id), '')
    ) AS tags
FROM news_entries e;

INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source;
INSERT INTO news_search (news_search) VALUES ('optimize');

CREATE TRIGGER news_search_entry_ai AFTER INSERT ON news_entries BEGIN
    INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source WHERE entry_id = new.id;
END;
CREATE TRIGGER news_search_entry_ad AFTER DELETE ON news_entries BEGIN
    DELETE FROM news_search WHERE rowid = unixepoch(old.published_at) * 1073741824 + old.id;
END;
CREATE TRIGGER news_search_entry_au AFTER UPDATE OF folded, published_at, site_id, unit_id ON news_entries BEGIN
    DELETE FROM news_search WHERE rowid = unixepoch(old.published_at) * 1073741824 + old.id;
    INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source WHERE entry_id = new.id;
END;
-- A topic membership changes the entry's tags (when the entry itself is being deleted, it is
-- gone from news_search_source and nothing is written back).
CREATE TRIGGER news_search_topic_ai AFTER INSERT ON news_entry_topics BEGIN
    DELETE FROM news_search WHERE rowid = (SELECT key FROM news_search_source WHERE entry_id = new.entry_id);
    INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source WHERE entry_id = new.entry_id;
END;
CREATE TRIGGER news_search_topic_ad AFTER DELETE ON news_entry_topics BEGIN
    DELETE FROM news_search WHERE rowid = (SELECT key FROM news_search_source WHERE entry_id = old.entry_id);
    INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source WHERE entry_id = old.entry_id;
END;
-- A moved unit (its path changes, and each unit below it too) moves its entries' unit tags.
CREATE TRIGGER news_search_unit_au AFTER UPDATE OF path ON units BEGIN
    DELETE FROM news_search WHERE rowid IN (SELECT key FROM news_search_source WHERE unit_id = new.id);
    INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source WHERE unit_id = new.id;
END;
