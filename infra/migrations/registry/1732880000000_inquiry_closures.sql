-- Up Migration

-- What closing an inquiry for a record destroyed, written in the same transaction as the
-- destruction: a retried activity (or a retried erasure) returns it instead of "nothing".
CREATE TABLE inquiry_closures (
  inquiry_id uuid NOT NULL,
  record_id  text NOT NULL,
  result     jsonb NOT NULL,
  closed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (inquiry_id, record_id)
);

-- Facts fixed when a message was handed over (the moment of sending, the end of the
-- objection period it announced), returned unchanged to a retried activity.
ALTER TABLE notifications ADD COLUMN details jsonb NOT NULL DEFAULT '{}';

-- Down Migration
ALTER TABLE notifications DROP COLUMN details;
DROP TABLE inquiry_closures;
