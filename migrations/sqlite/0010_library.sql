-- The shared library: entries (local, and those of followed co-ops) and their versions. Files
-- themselves are in the file store under their SHA-256; a peer's are only linked to.

CREATE TABLE library_entries (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    is_local INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary_md TEXT,
    summary_html TEXT NOT NULL,
    licence TEXT NOT NULL,
    topic TEXT NOT NULL,
    kind TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX library_entries_list ON library_entries (updated_at);
CREATE INDEX library_entries_owner ON library_entries (owner_id, updated_at);

CREATE TABLE library_versions (
    entry_id TEXT NOT NULL REFERENCES library_entries(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    url TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (entry_id, seq)
);
CREATE INDEX library_versions_sha ON library_versions (sha256);
