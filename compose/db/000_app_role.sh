#!/bin/sh
# First-start init script: the postgres image's entrypoint runs it as the superuser, on the app
# database, only when the data volume is empty. It holds only what needs the superuser; the
# schema comes from the numbered migrations in migrations/, which `edge-host migrate` applies as
# the app role (the stack's one-shot `migrate` service, before the app starts). The entrypoint
# ignores the migrations/ folder itself.
#
# Creates the role the app connects as: it can log in to this one database only, use and create
# objects in schema public (so the migrations it runs own the tables they make), and nothing
# else (no other databases, no role or database creation, no superuser).
# Its password comes from /run/secrets/db_password, read by psql itself (`\set ... `cat ...``),
# so it never appears in an environment value or a process argument.
#
# Tables the superuser creates by hand are covered by the default privileges below; the final
# GRANT covers anything created before this script.
#
# This file may be executed or sourced (the entrypoint sources non-executable *.sh files), so it
# does not `exit` and does not change shell options.

psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-app}" <<'SQL'
\set app_password `cat /run/secrets/db_password`
SELECT length(:'app_password') >= 16 AS password_ok \gset
\if :password_ok
\else
  \echo '000_app_role: /run/secrets/db_password is missing or shorter than 16 characters'
  SELECT 1/0;
\endif
CREATE ROLE app WITH LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 100;
\unset app_password

-- Only the app (and the superuser) may connect to this database.
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO app;

-- Nobody else creates in the public schema; the app role does, through its migrations.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO app;

-- Rows and sequences only, for whatever the superuser creates.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO app;
SQL
