-- Sector news (S4.2, S1.1): the feeds followed (feeds found on registered sites and press feeds an
-- office adds), their entries with folded text for diacritic-insensitive search (tsvector + GIN),
-- and the topics offices maintain as keyword lists. PostgreSQL dialect.

CREATE TABLE news_feeds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    -- 'site': found on a registered site of a unit; 'press': added by an office.
    kind TEXT NOT NULL CHECK (kind IN ('site', 'press')),
    site_id BIGINT REFERENCES sites(id) ON DELETE CASCADE,
    -- The unit whose site it is; for press feeds, the office that added it.
    unit_id BIGINT REFERENCES units(id),
    etag TEXT,
    last_modified TEXT,
    last_polled_at TIMESTAMPTZ,
    next_poll_at TIMESTAMPTZ NOT NULL,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    -- 'ok', 'not_modified', 'error' or '' before the first poll.
    last_status TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT REFERENCES people(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX news_feeds_due ON news_feeds (next_poll_at) WHERE active;
CREATE INDEX news_feeds_site ON news_feeds (site_id);
CREATE INDEX news_feeds_unit ON news_feeds (unit_id);

CREATE TABLE news_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id BIGINT NOT NULL REFERENCES news_feeds(id) ON DELETE CASCADE,
    site_id BIGINT REFERENCES sites(id) ON DELETE CASCADE,
    unit_id BIGINT REFERENCES units(id),
    url TEXT NOT NULL DEFAULT '',
    -- The entry's link (or, without one, its title and date): one entry per key and feed.
    dedup_key TEXT NOT NULL,
    title TEXT NOT NULL,
    -- Short plain text.
    summary TEXT NOT NULL DEFAULT '',
    -- The date the feed gives, or the first time we saw the entry.
    published_at TIMESTAMPTZ NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    -- fold_vi(title + ' ' + summary): what search matches.
    folded TEXT NOT NULL,
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED,
    UNIQUE (feed_id, dedup_key)
);
CREATE INDEX news_entries_published ON news_entries (published_at, id);
CREATE INDEX news_entries_unit ON news_entries (unit_id, published_at);
CREATE INDEX news_entries_site ON news_entries (site_id, published_at);
CREATE INDEX news_entries_search ON news_entries USING GIN (search);

-- Topics: keyword lists, one keyword or phrase per line. unit_id NULL: a default every office
-- sees (editable by the system administrator); otherwise the office's own.
CREATE TABLE news_topics (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT REFERENCES units(id),
    name TEXT NOT NULL,
    keywords TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX news_topics_unit ON news_topics (unit_id);

-- Which entries belong to which topic, kept when entries arrive and rebuilt (by a job) when a
-- topic's keywords change: a topic filter is then an index walk, newest first, instead of a
-- full-text OR over every keyword.
CREATE TABLE news_entry_topics (
    topic_id BIGINT NOT NULL REFERENCES news_topics(id) ON DELETE CASCADE,
    entry_id BIGINT NOT NULL REFERENCES news_entries(id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (topic_id, entry_id)
);
CREATE INDEX news_entry_topics_newest ON news_entry_topics (topic_id, published_at, entry_id);
CREATE INDEX news_entry_topics_entry ON news_entry_topics (entry_id);

-- The five default topics every office starts from (keywords in Vietnamese; matched folded).
INSERT INTO news_topics (unit_id, name, keywords, created_at, updated_at) VALUES
(NULL, 'An toàn trên mạng', 'an toàn trên mạng
an toàn thông tin
an ninh mạng
bảo mật
mật khẩu
dữ liệu cá nhân
bắt nạt trực tuyến
tin giả
kỹ năng số
công dân số', now(), now()),
(NULL, 'Mạng xã hội', 'mạng xã hội
quy tắc ứng xử
ứng xử trên mạng
chia sẻ thông tin
Facebook
Zalo
TikTok
YouTube
phát trực tiếp', now(), now()),
(NULL, 'Điện thoại trong trường học', 'điện thoại trong trường học
điện thoại di động
sử dụng điện thoại
thiết bị di động
máy tính bảng
thiết bị thông minh', now(), now()),
(NULL, 'Lừa đảo trực tuyến', 'lừa đảo trực tuyến
lừa đảo
chiếm đoạt tài sản
mạo danh
giả danh
đường link lạ
chuyển khoản
cảnh giác', now(), now()),
(NULL, 'Gương người tốt việc tốt', 'gương người tốt việc tốt
người tốt việc tốt
tấm gương
điển hình tiên tiến
tuyên dương
khen thưởng
nhặt được của rơi
nhà giáo ưu tú', now(), now());
