-- Member profiles and interests in starting a co-op.
--
-- Each part of a profile has its own visibility: 'public' (anyone, and the Person actor
-- document), 'network' (people logged in on this node, and co-ops the member applies to) or
-- 'private' (the member only). New parts start private.

CREATE TABLE member_profiles (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    general_source TEXT NOT NULL DEFAULT '',
    general_html TEXT NOT NULL DEFAULT '',
    general_visibility TEXT NOT NULL DEFAULT 'private',
    -- A JSON array of short tags.
    skills TEXT NOT NULL DEFAULT '[]',
    skills_visibility TEXT NOT NULL DEFAULT 'private',
    region TEXT NOT NULL DEFAULT '',
    region_visibility TEXT NOT NULL DEFAULT 'private',
    resume_source TEXT NOT NULL DEFAULT '',
    resume_html TEXT NOT NULL DEFAULT '',
    resume_visibility TEXT NOT NULL DEFAULT 'private',
    updated_at INTEGER NOT NULL,
    CHECK (general_visibility IN ('public', 'network', 'private')),
    CHECK (skills_visibility IN ('public', 'network', 'private')),
    CHECK (region_visibility IN ('public', 'network', 'private')),
    CHECK (resume_visibility IN ('public', 'network', 'private'))
);

-- A member's resume as an uploaded PDF. The bytes live in the data folder, under
-- resumes/{sha256}.pdf; the resume's visibility decides who may download it.
CREATE TABLE member_resume_files (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX member_resume_files_sha256 ON member_resume_files (sha256);

-- Interests in starting a co-op, by industry and region. The keys are the lower-cased forms
-- that matching compares. Only listed interests are shown to other members.
CREATE TABLE coop_interests (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    industry TEXT NOT NULL,
    industry_key TEXT NOT NULL,
    region TEXT NOT NULL,
    region_key TEXT NOT NULL,
    note TEXT NOT NULL,
    listed INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX coop_interests_user ON coop_interests (user_id);
CREATE INDEX coop_interests_industry ON coop_interests (industry_key);
CREATE INDEX coop_interests_region ON coop_interests (region_key);
