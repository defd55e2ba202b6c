-- Participatory planning: rounds (run by a local board, or copies of rounds local co-ops take
-- part in), proposals, members' private consumption proposals, co-ops' planning profiles and
-- members of co-ops who are not their administrators.
-- Quantities are JSON text: a round's figures are read and written whole.

CREATE TABLE plan_rounds (
    id TEXT PRIMARY KEY,
    board_id TEXT NOT NULL,
    is_local INTEGER NOT NULL,
    status TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX plan_rounds_updated ON plan_rounds (updated_at);

-- Local co-ops taking part in a round, and whether this node answers for them.
CREATE TABLE plan_local_participants (
    round_id TEXT NOT NULL REFERENCES plan_rounds(id),
    actor_id TEXT NOT NULL,
    auto_answer INTEGER NOT NULL DEFAULT 1,
    last_answered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, actor_id)
);

-- On the board's node: every answer received, per iteration. A later answer to the same
-- iteration replaces the earlier one.
CREATE TABLE plan_proposals (
    round_id TEXT NOT NULL REFERENCES plan_rounds(id),
    iteration INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    produce TEXT NOT NULL,
    consume TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, iteration, participant_id)
);

-- A council member's own proposal: private to the member and the council.
CREATE TABLE plan_member_proposals (
    round_id TEXT NOT NULL REFERENCES plan_rounds(id),
    council_id TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    iteration INTEGER NOT NULL,
    prices TEXT NOT NULL,
    quantities TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, council_id, user_id)
);

-- What a co-op declares for planning: a workplace's output and inputs per period, a
-- council's budget of credits.
CREATE TABLE planning_profiles (
    coop_id TEXT PRIMARY KEY REFERENCES local_actors(id),
    document TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Members of a co-op who do not administer it.
CREATE TABLE coop_members (
    coop_id TEXT NOT NULL REFERENCES local_actors(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (coop_id, user_id)
);
