-- News search at a million entries (issue 11, §6). On SQLite, search moves to the FTS5 table
-- news_search (see the SQLite migration of the same name). On PostgreSQL each process keeps the
-- same table in a private index built from news_entries (crates/store/src/news_index.rs): the
-- GIN index cannot list the newest matches without reading them all, nor count them without
-- visiting each one.
--
-- news_search_log says which entries a transaction changed in what the index holds (the folded
-- text, the date, the unit and its place in the tree, the site, the topics), with the
-- transaction's id: a process brings its index up to date by reading the entries logged by
-- transactions its last snapshot did not see, whatever order they committed in.
CREATE TABLE news_search_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entry_id BIGINT NOT NULL,
    logged_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX news_search_log_xid ON news_search_log (xid);

CREATE FUNCTION news_search_log_new_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO news_search_log (entry_id) SELECT id FROM new_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION news_search_log_old_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO news_search_log (entry_id) SELECT id FROM old_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION news_search_log_changed_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO news_search_log (entry_id)
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.folded, n.published_at, n.site_id, n.unit_id) IS DISTINCT FROM (o.folded, o.published_at, o.site_id, o.unit_id);
    RETURN NULL;
END $$;
CREATE TRIGGER news_search_entries_insert AFTER INSERT ON news_entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION news_search_log_new_entries();
CREATE TRIGGER news_search_entries_delete AFTER DELETE ON news_entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION news_search_log_old_entries();
CREATE TRIGGER news_search_entries_update AFTER UPDATE ON news_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION news_search_log_changed_entries();

CREATE FUNCTION news_search_log_new_topics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO news_search_log (entry_id) SELECT DISTINCT entry_id FROM new_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION news_search_log_old_topics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO news_search_log (entry_id) SELECT DISTINCT entry_id FROM old_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER news_search_topics_insert AFTER INSERT ON news_entry_topics
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION news_search_log_new_topics();
CREATE TRIGGER news_search_topics_delete AFTER DELETE ON news_entry_topics
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION news_search_log_old_topics();

-- A moved unit (its path changes, and each unit below it too) moves its entries' unit tags.
CREATE FUNCTION news_search_log_moved_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO news_search_log (entry_id)
    SELECT e.id FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN news_entries e ON e.unit_id = n.id
    WHERE n.path IS DISTINCT FROM o.path;
    RETURN NULL;
END $$;
CREATE TRIGGER news_search_units_update AFTER UPDATE ON units
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION news_search_log_moved_units();
