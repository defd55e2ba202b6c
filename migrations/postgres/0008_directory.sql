-- The co-op directory: versioned co-op profiles (ours and peers'), directory listings
-- (training courses, research reports, sources of finance, campaigns) and the ratings research
-- reports give to goods and workplaces.

-- Every version of a co-op's profile document (the coopProfile of its actor), local or remote.
-- A peer's version is kept under the number the peer gave it.
CREATE TABLE coop_profiles (
    actor_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (actor_id, version)
);

-- A listing published by a co-op here or by a followed co-op elsewhere. Kind-specific fields
-- (a course's dates and place, a lender's purposes, a campaign's kind, a report's suggestions)
-- are JSON text in details. A deleted listing keeps its row, so a replayed Create cannot bring
-- it back.
CREATE TABLE listings (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    is_local BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT,
    body_html TEXT NOT NULL,
    region TEXT,
    topic TEXT,
    details TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX listings_kind_updated ON listings (kind, updated_at);
CREATE INDEX listings_owner ON listings (owner_id);

-- A research report's ratings: one row per subject (an item or a workplace actor) and criterion.
CREATE TABLE ratings (
    report_id TEXT NOT NULL REFERENCES listings(id),
    position BIGINT NOT NULL,
    subject_id TEXT NOT NULL,
    criterion TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 0 AND 5),
    comment TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX ratings_subject ON ratings (subject_id);
