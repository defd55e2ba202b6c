-- What the outbox collection asks: whether an object's Delete is queued, so its Create is no
-- longer listed, whichever feature the object belongs to.
CREATE INDEX outbox_object ON outbox (object_id, activity_type);
