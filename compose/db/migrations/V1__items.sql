-- V1: the items table used by edge-app's /api/items.
-- Applied by `edge-host migrate` as the app role, in version order, once: the
-- file is recorded with its checksum in schema_migrations and must not change
-- after that (put changes in a new V<n>__<name>.sql). Roles and grants are
-- made by the init script compose/db/000_app_role.sh, not here.

CREATE TABLE IF NOT EXISTS items (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description TEXT        CHECK (description IS NULL OR char_length(description) <= 2000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Searches are `name ILIKE '%term%'`; this helps the ordered listing and
-- prefix-style lookups. (A trigram index would serve infix search but needs
-- the pg_trgm extension, which the app does not require.)
CREATE INDEX IF NOT EXISTS items_name_lower_idx ON items (lower(name));
