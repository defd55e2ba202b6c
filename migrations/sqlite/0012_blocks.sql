-- Domains the operator has blocked: nothing from them is accepted, and what came from them
-- before is removed from view.
CREATE TABLE blocked_domains (
    domain TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
