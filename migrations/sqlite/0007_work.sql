-- Work: job posts (local, and those of followed co-ops) and applications (sent by local
-- members, received by local co-ops), with each change of an application's state.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    is_local INTEGER NOT NULL,
    title TEXT NOT NULL,
    description_md TEXT,
    description_html TEXT NOT NULL,
    hours TEXT NOT NULL,
    pay TEXT NOT NULL,
    region TEXT,
    industry TEXT,
    skills TEXT NOT NULL,
    closes_on TEXT,
    state TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_board ON jobs (state, published_at);
CREATE INDEX jobs_owner ON jobs (owner_id, published_at);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    coop_id TEXT NOT NULL,
    job_id TEXT,
    letter_html TEXT NOT NULL,
    profile TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX applications_coop ON applications (coop_id, updated_at);
CREATE INDEX applications_applicant ON applications (applicant_id, updated_at);

CREATE TABLE application_events (
    application_id TEXT NOT NULL REFERENCES applications(id),
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX application_events_of ON application_events (application_id, at);
