-- Indexes that keep the filtered catalogue fast: each filter with the default order (newest).
CREATE INDEX items_type_newest ON items (state, product_type, published_at);
CREATE INDEX items_region_newest ON items (state, region, published_at);
CREATE INDEX items_owner_newest ON items (owner_id, state, published_at);
CREATE INDEX follows_follower ON follows (follower_id, state);
CREATE INDEX items_price ON items (state, price_minor);
CREATE INDEX items_name ON items (state, name);
CREATE INDEX items_newest ON items (state, published_at);
