-- Up Migration

-- A stand-in for the case administration that holds the unlawfully processed data:
-- persons with residence and belief, notes on behaviour and statements, and the
-- organisations they were active in. Only synthetic demo content is ever loaded here.
CREATE TABLE persons (
  id         text PRIMARY KEY,
  full_name  text NOT NULL,
  residence  text NOT NULL,
  belief     text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organisations (
  id   text PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE person_organisations (
  person_id       text NOT NULL REFERENCES persons (id),
  organisation_id text NOT NULL REFERENCES organisations (id),
  role            text NOT NULL,
  context         text,
  PRIMARY KEY (person_id, organisation_id)
);

CREATE TABLE notes (
  id          bigserial PRIMARY KEY,
  person_id   text NOT NULL REFERENCES persons (id),
  observed_on date NOT NULL,
  body        text NOT NULL
);
CREATE INDEX notes_by_person ON notes (person_id);

CREATE TABLE note_sources (
  note_id bigint NOT NULL REFERENCES notes (id),
  source  text NOT NULL,
  PRIMARY KEY (note_id, source)
);

-- Down Migration
DROP TABLE note_sources;
DROP TABLE notes;
DROP TABLE person_organisations;
DROP TABLE organisations;
DROP TABLE persons;
