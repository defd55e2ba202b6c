-- Foundation: actors, users, sessions, follows, posts, activities, the delivery queue.
-- Times are milliseconds since the Unix epoch; flags are 0 or 1.

CREATE TABLE local_actors (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    actor_type TEXT NOT NULL,
    coop_kind TEXT,
    name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    region TEXT,
    industry TEXT,
    icon_url TEXT,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    actor_id TEXT NOT NULL REFERENCES local_actors(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE coop_admins (
    coop_id TEXT NOT NULL REFERENCES local_actors(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (coop_id, user_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE remote_actors (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    host TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    region TEXT,
    industry TEXT,
    coop_kind TEXT,
    icon_url TEXT,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    outbox TEXT,
    public_key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX remote_actors_handle ON remote_actors (username, host);

CREATE TABLE follows (
    follower_id TEXT NOT NULL,
    followee_id TEXT NOT NULL,
    state TEXT NOT NULL,
    follow_activity_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, state);

CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    author_id TEXT NOT NULL,
    content_html TEXT NOT NULL,
    content_source TEXT,
    in_reply_to TEXT,
    is_local INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at INTEGER,
    received_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX posts_feed ON posts (published_at DESC, id);
CREATE INDEX posts_author ON posts (author_id, published_at DESC);

-- Every activity a local actor published, in order: the outbox.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    actor_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    object_id TEXT,
    body TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE INDEX outbox_actor ON outbox (actor_id, seq DESC);

-- Every activity accepted in an inbox, raw, once: the key to deduplication.
CREATE TABLE inbox (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- The delivery queue: one row per activity and destination inbox.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (state, host, next_attempt_at);

CREATE TABLE hosts (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    first_failure_at INTEGER,
    dead_since INTEGER,
    last_success_at INTEGER
);

-- Shares (Announce) of posts by actors, local or remote.
CREATE TABLE shares (
    activity_id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    shared_at INTEGER NOT NULL,
    UNIQUE (actor_id, post_id)
);
