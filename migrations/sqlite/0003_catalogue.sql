-- The catalogue and trading: items (local and from followed nodes), stock changes, baskets,
-- orders with their lines and history, bulk enquiries, recommendations by councils.
-- Money is an integer in the currency's smallest unit; stock is an integer number of units.

CREATE TABLE items (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    is_local INTEGER NOT NULL,
    name TEXT NOT NULL,
    description_md TEXT,
    description_html TEXT NOT NULL,
    unit TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    stock INTEGER NOT NULL,
    low_stock_at INTEGER NOT NULL DEFAULT 0,
    product_type TEXT NOT NULL,
    how_made TEXT NOT NULL DEFAULT '',
    image_url TEXT,
    region TEXT,
    state TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (stock >= 0),
    CHECK (price_minor >= 0)
);
CREATE INDEX items_browse ON items (state, updated_at DESC);
CREATE INDEX items_type ON items (state, product_type);
CREATE INDEX items_owner ON items (owner_id, state);
CREATE INDEX items_region ON items (state, region);

CREATE VIRTUAL TABLE items_fts USING fts5 (
    name, description, how_made, content='items', content_rowid='rowid', tokenize='unicode61'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, name, description, how_made)
    VALUES (new.rowid, new.name, new.description_html, new.how_made);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, name, description, how_made)
    VALUES ('delete', old.rowid, old.name, old.description_html, old.how_made);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF name, description_html, how_made ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, name, description, how_made)
    VALUES ('delete', old.rowid, old.name, old.description_html, old.how_made);
    INSERT INTO items_fts (rowid, name, description, how_made)
    VALUES (new.rowid, new.name, new.description_html, new.how_made);
END;

CREATE TABLE stock_changes (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL,
    delta INTEGER NOT NULL,
    stock_after INTEGER NOT NULL,
    reason TEXT NOT NULL,
    order_id TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX stock_changes_item ON stock_changes (item_id, id DESC);

CREATE TABLE basket_lines (
    user_id INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    price_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, item_id),
    CHECK (quantity > 0)
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    placed_by TEXT,
    seller_id TEXT NOT NULL,
    state TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX orders_buyer ON orders (buyer_id, created_at DESC);
CREATE INDEX orders_seller ON orders (seller_id, created_at DESC);
CREATE UNIQUE INDEX orders_offer ON orders (offer_id);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE enquiries (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX enquiries_thread ON enquiries (thread_id, created_at);

CREATE TABLE recommendations (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    comment_html TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (council_id, item_id)
);
CREATE INDEX recommendations_item ON recommendations (item_id);
