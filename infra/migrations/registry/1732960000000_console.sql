-- The console (docs/ARCHITECTURE.md, "The console"): each account reads it in its own language.
ALTER TABLE accounts ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'nl'));
