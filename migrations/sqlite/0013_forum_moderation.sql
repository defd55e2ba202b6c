-- Forum moderation across nodes: bans, reports (Flag) and the reason a moderator gave; and
-- the threads each member follows, with when they last read them.

ALTER TABLE forum_moderation_log ADD COLUMN reason TEXT;

CREATE TABLE forum_bans (
    forum_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    moderator_id TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    -- When a temporary ban ends; NULL until lifted.
    expires_at INTEGER,
    PRIMARY KEY (forum_id, actor_id)
);

CREATE TABLE forum_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The Flag's id: a report delivered twice is kept once.
    activity_id TEXT NOT NULL UNIQUE,
    post_id TEXT NOT NULL,
    forum_id TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT
);
CREATE INDEX forum_reports_open ON forum_reports (forum_id, resolved_at, received_at);

CREATE TABLE thread_follows (
    user_id INTEGER NOT NULL REFERENCES users(id),
    thread_id TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);
CREATE INDEX thread_follows_thread ON thread_follows (thread_id);

-- What a forum allows: 1 when only its moderators start threads (Lemmy's
-- postingRestrictedToMods); everyone may reply either way.
CREATE TABLE forum_settings (
    forum_id TEXT PRIMARY KEY,
    moderators_only_threads INTEGER NOT NULL DEFAULT 0
);
