-- Credits: a double-entry ledger of integer hundredths of a credit.
--
-- Every transfer moves an amount from one account to another and writes two entries (minus on
-- one side, plus on the other), so the entries of a transfer sum to zero and so does the sum of
-- all balances. Member, co-op and held accounts never go below zero. Only two kinds may: a
-- co-op's issuance account (its income rule is the only way credits are created, so issuance
-- holds minus what the co-op has paid out) and a clearing account per remote host (minus what
-- that host's members sent here, plus what we sent there).

CREATE TABLE credit_accounts (
    id INTEGER PRIMARY KEY,
    -- member and coop: the actor id; issuance: the co-op's actor id; clearing: the remote
    -- host (authority); held: the order the credits are held for.
    owner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    balance INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, owner_id),
    CHECK (kind IN ('member', 'coop', 'issuance', 'clearing', 'held')),
    CHECK (balance >= 0 OR kind IN ('issuance', 'clearing'))
);

CREATE TABLE credit_transfers (
    -- A URL on this node; for a federated transfer sent from here, the EconomicEvent's id.
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    from_account INTEGER NOT NULL REFERENCES credit_accounts(id),
    to_account INTEGER NOT NULL REFERENCES credit_accounts(id),
    amount INTEGER NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    -- The other party on another node, for federated transfers.
    counterparty TEXT,
    -- The EconomicEvent id of a transfer received from another node: recorded once only.
    remote_id TEXT UNIQUE,
    -- The transfer a refund gives back: refunded once only.
    refund_of TEXT UNIQUE,
    order_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (amount > 0),
    CHECK (from_account <> to_account),
    CHECK (kind IN ('income', 'transfer', 'federated-out', 'federated-in', 'refund', 'hold',
                    'payment', 'release')),
    CHECK (state IN ('pending', 'settled', 'refunded'))
);
CREATE INDEX credit_transfers_order ON credit_transfers (order_id);

CREATE TABLE credit_entries (
    id INTEGER PRIMARY KEY,
    transfer_id TEXT NOT NULL REFERENCES credit_transfers(id),
    account_id INTEGER NOT NULL REFERENCES credit_accounts(id),
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (amount <> 0)
);
CREATE INDEX credit_entries_account ON credit_entries (account_id, id DESC);
CREATE INDEX credit_entries_transfer ON credit_entries (transfer_id);

-- How a co-op pays its members: by hours worked, or by hours times an effort rating.
CREATE TABLE remuneration_rules (
    coop_id TEXT PRIMARY KEY REFERENCES local_actors(id),
    rule TEXT NOT NULL,
    -- hundredths of a credit per hour
    rate_minor INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (rule IN ('hours', 'effort')),
    CHECK (rate_minor > 0)
);

-- Work recorded for a member for a period, and the income it earned (one per period).
CREATE TABLE work_records (
    transfer_id TEXT PRIMARY KEY REFERENCES credit_transfers(id),
    coop_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    period TEXT NOT NULL,
    rule TEXT NOT NULL,
    -- hundredths of an hour
    hours_centi INTEGER NOT NULL,
    -- hundredths: 50 to 200 under the effort rule, 100 under the hours rule
    effort_centi INTEGER NOT NULL,
    rate_minor INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    recorded_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (coop_id, member_id, period)
);
