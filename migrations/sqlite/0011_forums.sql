-- Forums (FEP-1b12): threads and replies in local forums and in remote forums followed here,
-- and what moderators did. Forums themselves are co-op actors of kind `forum`.

CREATE TABLE forum_posts (
    id TEXT PRIMARY KEY,
    forum_id TEXT NOT NULL,
    -- NULL for a thread (its own id is the thread), the thread's id for a reply.
    thread_id TEXT,
    parent_id TEXT,
    author_id TEXT NOT NULL,
    title TEXT,
    content_html TEXT NOT NULL,
    content_md TEXT,
    is_local INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    removed_at INTEGER,
    published_at INTEGER NOT NULL,
    updated_at INTEGER,
    last_activity_at INTEGER NOT NULL
);
CREATE INDEX forum_posts_threads ON forum_posts (forum_id, thread_id, last_activity_at);
CREATE INDEX forum_posts_replies ON forum_posts (thread_id, published_at);

CREATE TABLE forum_moderation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    forum_id TEXT NOT NULL,
    moderator_id TEXT NOT NULL,
    action TEXT NOT NULL,
    post_id TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX forum_moderation_log_forum ON forum_moderation_log (forum_id, at);
