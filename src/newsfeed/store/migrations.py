"""Schema versions of the SQLite store, applied in order, each in one transaction.

Append a new (version, sql) pair to change the schema; never edit a published one.
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            section TEXT NOT NULL,
            title TEXT NOT NULL,
            content_html TEXT NOT NULL,
            text TEXT NOT NULL,
            summary TEXT NOT NULL,
            author TEXT NOT NULL,
            published TEXT NOT NULL,      -- UTC, 'YYYY-MM-DDTHH:MM:SSZ': sorts as text
            updated TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            slug TEXT NOT NULL,
            url TEXT NOT NULL,
            image TEXT,
            tags TEXT NOT NULL,           -- JSON array
            related_titles TEXT NOT NULL, -- JSON array
            content_hash TEXT NOT NULL,   -- of the parsed fields: an edit changes it
            UNIQUE (source, key)
        );
        CREATE INDEX articles_by_published ON articles (published DESC, id DESC);
        CREATE INDEX articles_by_section ON articles (section, published DESC, id DESC);
        CREATE INDEX articles_by_title ON articles (title);
        CREATE TABLE source_state (
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,    -- cheap change marker (mtime and size for files)
            PRIMARY KEY (source, key)
        ) WITHOUT ROWID;
        CREATE TABLE meta (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        2,
        """
        CREATE TABLE article_topics (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            topic TEXT NOT NULL,          -- slug: feeds/topik/<slug>/
            name TEXT NOT NULL,           -- display name
            rank INTEGER NOT NULL,        -- salience order within the article
            published TEXT NOT NULL,      -- copy of articles.published for the feed index
            PRIMARY KEY (article_id, topic)
        ) WITHOUT ROWID;
        CREATE INDEX article_topics_by_topic ON article_topics (topic, published DESC, article_id DESC);
        CREATE TABLE related (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            rank INTEGER NOT NULL,        -- 0 first, editor-chosen links come first
            related_id TEXT NOT NULL,
            editor INTEGER NOT NULL,      -- 1: chosen under "Artikel Terkait"
            PRIMARY KEY (article_id, rank)
        ) WITHOUT ROWID;
        """,
    ),
    (
        3,
        """
        CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, even after `subscribers remove`
            email TEXT NOT NULL UNIQUE,   -- normalised: lowercase, IDNA domain
            name TEXT NOT NULL DEFAULT '',
            sections TEXT NOT NULL,       -- JSON array of section slugs, [] = every section
            status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
            created TEXT NOT NULL,        -- UTC, 'YYYY-MM-DDTHH:MM:SSZ'
            updated TEXT NOT NULL,
            confirmed TEXT,
            unsubscribed TEXT,
            invited TEXT,                 -- last confirmation e-mail sent (`subscribers invite`)
            note TEXT NOT NULL DEFAULT '' -- last bounce reason and the like
        );
        CREATE INDEX subscribers_by_status ON subscribers (status, id);
        -- The delivery ledger is keyed by the normalised address, not by subscribers.id, and
        -- has no foreign key: removing a subscriber keeps the record of which editions went
        -- to the address, so adding it again never repeats an edition.
        CREATE TABLE deliveries (
            edition TEXT NOT NULL,        -- '2024-W42'
            email TEXT NOT NULL,          -- the normalised address it went (or goes) to
            sections TEXT NOT NULL,       -- JSON array: the sections this subscriber gets this week
            status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id TEXT NOT NULL,     -- deterministic per (edition, email), a resend reuses it
            error TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            sent TEXT,
            PRIMARY KEY (edition, email)
        ) WITHOUT ROWID;
        CREATE INDEX deliveries_by_status ON deliveries (edition, status);
        """,
    ),
    (
        4,
        """
        CREATE TABLE related_index (
            article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
            blob BLOB NOT NULL            -- enrich.related row: vector, latent vector, scored list
        ) WITHOUT ROWID;
        CREATE TABLE related_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            blob BLOB NOT NULL            -- enrich.related model: vocabulary, idf, basis, clusters
        );
        """,
    ),
    (
        5,
        """
        -- Articles gone from their source or taken down by an editor leave `articles` (and with
        -- it every feed, topic count, related list and digest) and wait here: a gone page that
        -- comes back keeps its id and publish time, a taken-down one stays out until restored.
        CREATE TABLE withdrawn_articles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            section TEXT NOT NULL,
            title TEXT NOT NULL,
            content_html TEXT NOT NULL,
            text TEXT NOT NULL,
            summary TEXT NOT NULL,
            author TEXT NOT NULL,
            published TEXT NOT NULL,
            updated TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            slug TEXT NOT NULL,
            url TEXT NOT NULL,
            image TEXT,
            tags TEXT NOT NULL,
            related_titles TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (reason IN ('gone', 'takedown')),
            withdrawn TEXT NOT NULL,      -- UTC, when it left the feeds
            note TEXT NOT NULL DEFAULT '' -- the editor's reason for a takedown
        );
        -- Which article a source entry (a file path, an upstream guid) became: a page that pins
        -- its identity keeps its article when the file is renamed. '' = derived from the key.
        ALTER TABLE source_state ADD COLUMN article_id TEXT NOT NULL DEFAULT '';
        -- Articles changed or withdrawn whose topics and related lists are not yet updated.
        -- Written in the same transaction as the change, emptied by the one that finishes the
        -- enrichment, so a killed run's work is finished by the next.
        CREATE TABLE enrich_queue (
            article_id TEXT PRIMARY KEY
        ) WITHOUT ROWID;
        """,
    ),
    (
        6,
        """
        -- Every file under feeds/ that newsfeed wrote, as it wrote it: publish compares the files
        -- with this (a damaged or hand-edited one is written again), removes those no longer
        -- produced, and the server serves only these.
        CREATE TABLE published_files (
            path TEXT PRIMARY KEY,        -- relative to feeds.output_dir, '/'-separated
            kind TEXT NOT NULL,           -- 'feed' (newsfeed publish) or 'edition' (newsfeed digest)
            sha256 TEXT NOT NULL,         -- '' while a publish that will write it is under way
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        7,
        """
        -- The lead image's byte length, MIME type and pixels where known at gather time (a file
        -- under site.static_dir, or what a source learnt): RSS enclosure length, media:content
        -- and media:thumbnail sizes, and `newsfeed check`. NULL / '' where unknown.
        ALTER TABLE articles ADD COLUMN image_length INTEGER;
        ALTER TABLE articles ADD COLUMN image_type TEXT NOT NULL DEFAULT '';
        ALTER TABLE articles ADD COLUMN image_width INTEGER;
        ALTER TABLE articles ADD COLUMN image_height INTEGER;
        ALTER TABLE withdrawn_articles ADD COLUMN image_length INTEGER;
        ALTER TABLE withdrawn_articles ADD COLUMN image_type TEXT NOT NULL DEFAULT '';
        ALTER TABLE withdrawn_articles ADD COLUMN image_width INTEGER;
        ALTER TABLE withdrawn_articles ADD COLUMN image_height INTEGER;
        """,
    ),
    (
        8,
        """
        -- Feeds whose content may have changed since the last publish, by feed path ('' the
        -- site, a section slug, 'topik/<slug>'): publish renders these and nothing else. The
        -- triggers record every change to what an item shows (the article, its topics, its
        -- related list, the headline and link of an article it links to) in the transaction
        -- that makes it, so no code path and no kill can forget one.
        CREATE TABLE dirty_feeds (
            path TEXT PRIMARY KEY
        ) WITHOUT ROWID;
        CREATE INDEX related_by_target ON related (related_id);
        CREATE TRIGGER dirty_article_insert AFTER INSERT ON articles BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES (''), (NEW.section);
        END;
        CREATE TRIGGER dirty_article_update AFTER UPDATE ON articles BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES (''), (OLD.section), (NEW.section);
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT 'topik/' || topic FROM article_topics WHERE article_id = NEW.id;
            INSERT OR IGNORE INTO dirty_feeds (path)
                SELECT a.section FROM related r JOIN articles a ON a.id = r.article_id WHERE r.related_id = NEW.id;
            INSERT OR IGNORE INTO dirty_feeds (path)
                SELECT 'topik/' || t.topic FROM related r JOIN article_topics t ON t.article_id = r.article_id WHERE r.related_id = NEW.id;
        END;
        CREATE TRIGGER dirty_article_delete BEFORE DELETE ON articles BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES (''), (OLD.section);
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT 'topik/' || topic FROM article_topics WHERE article_id = OLD.id;
            INSERT OR IGNORE INTO dirty_feeds (path)
                SELECT a.section FROM related r JOIN articles a ON a.id = r.article_id WHERE r.related_id = OLD.id;
            INSERT OR IGNORE INTO dirty_feeds (path)
                SELECT 'topik/' || t.topic FROM related r JOIN article_topics t ON t.article_id = r.article_id WHERE r.related_id = OLD.id;
        END;
        CREATE TRIGGER dirty_topic_insert AFTER INSERT ON article_topics BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES (''), ('topik/' || NEW.topic);
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT section FROM articles WHERE id = NEW.article_id;
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT 'topik/' || topic FROM article_topics WHERE article_id = NEW.article_id;
        END;
        CREATE TRIGGER dirty_topic_delete AFTER DELETE ON article_topics BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES (''), ('topik/' || OLD.topic);
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT section FROM articles WHERE id = OLD.article_id;
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT 'topik/' || topic FROM article_topics WHERE article_id = OLD.article_id;
        END;
        CREATE TRIGGER dirty_related_insert AFTER INSERT ON related BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES ('');
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT section FROM articles WHERE id = NEW.article_id;
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT 'topik/' || topic FROM article_topics WHERE article_id = NEW.article_id;
        END;
        CREATE TRIGGER dirty_related_delete AFTER DELETE ON related BEGIN
            INSERT OR IGNORE INTO dirty_feeds (path) VALUES ('');
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT section FROM articles WHERE id = OLD.article_id;
            INSERT OR IGNORE INTO dirty_feeds (path) SELECT 'topik/' || topic FROM article_topics WHERE article_id = OLD.article_id;
        END;
        """,
    ),
    (
        9,
        """
        -- What the live sources (crawl, feed, wpjson) remember of each document they fetch:
        -- its validators for a conditional GET and what it listed (zlib-compressed JSON), so an
        -- unchanged robots.txt, sitemap, listing page or feed costs one request answered 304.
        CREATE TABLE fetched_documents (
            source TEXT NOT NULL,
            url TEXT NOT NULL,
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            found BLOB NOT NULL,
            fetched TEXT NOT NULL,        -- UTC, the last full answer
            PRIMARY KEY (source, url)
        ) WITHOUT ROWID;
        """,
    ),
    (
        10,
        """
        -- The subscription center (issue 14). Topics a subscriber follows besides sections
        -- (JSON array of topic slugs, [] = none), a pause (no digest while now < paused_until,
        -- UTC; NULL = not paused), and the record of the consent given (JSON: when, how, the
        -- text agreed to). A delivery fixes the topics as it fixes the sections; one that
        -- failed for a while (a 4xx: greylisting) is not tried again before next_attempt.
        ALTER TABLE subscribers ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE subscribers ADD COLUMN paused_until TEXT;
        ALTER TABLE subscribers ADD COLUMN consent TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE deliveries ADD COLUMN next_attempt TEXT;
        -- Rate limits of the public forms, shared by every WSGI process: hits per bucket and
        -- fixed window. A bucket is a keyed hash of what is limited (a client address, an
        -- e-mail address), never the value itself.
        CREATE TABLE web_limits (
            bucket TEXT NOT NULL,
            slot INTEGER NOT NULL,        -- start of the window, unix seconds
            hits INTEGER NOT NULL,
            PRIMARY KEY (bucket, slot)
        ) WITHOUT ROWID;
        -- Form tokens already used (a replayed form is refused), kept until they expire.
        CREATE TABLE form_nonces (
            nonce TEXT PRIMARY KEY,
            expires INTEGER NOT NULL      -- unix seconds
        ) WITHOUT ROWID;
        """,
    ),
    (
        11,
        """
        -- Several `newsfeed send` workers on one PostgreSQL store share an edition by claiming
        -- rows (SELECT ... FOR UPDATE SKIP LOCKED): who holds a row, and until when (unix
        -- seconds; NULL = nobody). A killed worker's rows are taken over once its lease ends.
        -- SQLite keeps one sender (a file lock) and leaves both columns as they are.
        ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
        """,
    ),
    (
        12,
        """
        -- A million-row edition read a batch at a time: the rows of one status in address
        -- order are a range of this index (batched reads, send workers' claims), where
        -- (edition, status) alone made PostgreSQL sort every row left at each claim (SQLite's
        -- index held the key's email already). Claimed rows are few: their own index serves
        -- the lease queries (renew, release, takeover) without reading the whole edition.
        CREATE INDEX deliveries_by_status_email ON deliveries (edition, status, email);
        DROP INDEX deliveries_by_status;
        CREATE INDEX deliveries_leased ON deliveries (edition, claimed_by) WHERE lease_until IS NOT NULL;
        """,
    ),
    (
        13,
        """
        -- Each stored page asks whether another article of its section has its slug: without
        -- this index every ask read the whole table (a 10,000-page first build spent most of
        -- its ingest there, growing with the square of the archive).
        CREATE INDEX articles_by_section_slug ON articles (section, slug);
        """,
    ),
    (
        14,
        """
        -- Articles per topic and section as the last publish counted them (published by its
        -- time): the feeds' plan and the OPML's grouping. A publish recounts only the topics
        -- whose feeds are dirty (the triggers above mark every topic an article change
        -- touches), not all of article_topics: that was 4 s of one edit at 100,000 articles.
        CREATE TABLE topic_tally (
            topic TEXT NOT NULL,
            section TEXT NOT NULL,
            name TEXT NOT NULL,            -- min(name) of the topic's rows in that section
            articles INTEGER NOT NULL,
            PRIMARY KEY (topic, section)
        ) WITHOUT ROWID;
        """,
    ),
    (
        15,
        """
        -- Reads every build with a change made, which read the whole articles table (bodies and
        -- all) at 100,000 articles: the pages an edited headline's "Artikel Terkait" may name
        -- (0.30 s -> 0.07 s: the articles with such a block, from this index; not the titles
        -- themselves as its key, which PostgreSQL limits to 2,704 bytes), the ids of
        -- one source's articles in id order (0.22 s -> 0.07 s), and every article's url and
        -- updated time, newest first, for the article sitemaps (0.39 s -> 0.11 s; the index it
        -- extends, articles_by_published, is its prefix and goes).
        CREATE INDEX articles_naming_related ON articles (id) WHERE related_titles != '[]';
        CREATE INDEX articles_by_source ON articles (source, id);
        CREATE INDEX articles_sitemap ON articles (published DESC, id DESC, url, updated);
        DROP INDEX articles_by_published;
        """,
    ),
    (
        16,
        """
        -- Store.set_topics marks the feeds an article's topics touch itself, once an article (the
        -- site, its section, its old and new topics: what these row triggers marked): they re-read
        -- the article's other topics for every topic row written or deleted, 2.0 of the 3.0 s a
        -- 10,000-page store took to write its 82,721 topic rows. Deleting an article still marks
        -- its topic feeds (dirty_article_delete runs before the cascade).
        DROP TRIGGER dirty_topic_insert;
        DROP TRIGGER dirty_topic_delete;
        """,
    ),
    (
        17,
        """
        -- Topic counts (topic_tally) are recounted only for the topics whose counts can have
        -- changed: an article gaining or losing the topic, its name, publication time or section
        -- changing (Store.set_topics compares its rows), an article deleted, an article coming
        -- due (feedstate.mark_due). A feed marked dirty for other reasons (an entry's text, a
        -- related link) keeps its count: recounting "Indonesia" for each edit of one of its
        -- 27,000 articles took 0.4 s of a 100,000-article edit. The recount reads the section
        -- from the topic row through one covering index, without a join to articles.
        ALTER TABLE article_topics ADD COLUMN section TEXT NOT NULL DEFAULT '';
        UPDATE article_topics SET section = (SELECT section FROM articles WHERE articles.id = article_topics.article_id);
        CREATE INDEX article_topics_tally ON article_topics (topic, section, published, name);
        CREATE TABLE topic_recount (
            topic TEXT PRIMARY KEY
        ) WITHOUT ROWID;
        INSERT INTO topic_recount (topic) SELECT DISTINCT substr(path, 7) FROM dirty_feeds WHERE path LIKE 'topik/%';
        CREATE TRIGGER recount_article_delete BEFORE DELETE ON articles BEGIN
            INSERT OR IGNORE INTO topic_recount (topic) SELECT topic FROM article_topics WHERE article_id = OLD.id;
        END;
        """,
    ),
]
