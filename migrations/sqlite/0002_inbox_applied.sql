-- An accepted activity is claimed (stored raw) before it is applied and marked applied after,
-- so two copies arriving at once are applied once, and one whose processing was cut short by a
-- crash is applied when the sender retries.
ALTER TABLE inbox ADD COLUMN applied_at INTEGER;
UPDATE inbox SET applied_at = received_at;
