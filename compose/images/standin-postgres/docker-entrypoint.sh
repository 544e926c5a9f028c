#!/usr/bin/env bash
# Entrypoint of the Postgres stand-in image. It honours the part of the upstream postgres image's
# interface that the stack uses, so compose.yaml works unchanged with either image:
#
#   POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE   superuser password (one of them is required)
#   POSTGRES_USER (default postgres)             superuser name
#   POSTGRES_DB (default $POSTGRES_USER)         database created at first start
#   POSTGRES_INITDB_ARGS                         extra initdb arguments
#   PGDATA                                       cluster directory (default /var/lib/postgresql/data)
#   /docker-entrypoint-initdb.d/*                run once, in name order, on an empty PGDATA:
#                                                *.sh executed when executable (else sourced), *.sql via psql
#
# It runs as the unprivileged postgres user from the start (no root step-down), and during the
# first-start initialisation the server listens on its Unix socket only, so nothing outside the
# container can connect before the init scripts have finished.
set -Eeuo pipefail

die() {
    printf 'docker-entrypoint: %s\n' "$*" >&2
    exit 1
}

# Reads VAR from the environment or from the file named by VAR_FILE (not both).
file_env() {
    local var=$1 default=${2:-}
    local file_var="${var}_FILE"
    local value=${!var:-} file=${!file_var:-}
    if [ -n "$value" ] && [ -n "$file" ]; then
        die "both $var and $file_var are set; use one"
    fi
    if [ -n "$file" ]; then
        [ -r "$file" ] || die "$file_var names $file, which is not readable by uid $(id -u)"
        value=$(<"$file")
    fi
    printf -v "$var" '%s' "${value:-$default}"
    unset "$file_var"
}

psql_init() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" "$@"
}

run_init_scripts() {
    local f
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
        *.sh)
            if [ -x "$f" ]; then
                printf 'docker-entrypoint: running %s\n' "$f"
                "$f"
            else
                printf 'docker-entrypoint: sourcing %s\n' "$f"
                # shellcheck disable=SC1090 # init scripts are provided at run time
                . "$f"
            fi
            ;;
        *.sql)
            printf 'docker-entrypoint: applying %s\n' "$f"
            psql_init --dbname "$POSTGRES_DB" -f "$f"
            ;;
        *) printf 'docker-entrypoint: ignoring %s\n' "$f" ;;
        esac
    done
}

init_cluster() {
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    [ -n "$POSTGRES_PASSWORD" ] || die "the database is uninitialised and no superuser password is set: set POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD)"
    export POSTGRES_USER POSTGRES_DB

    printf 'docker-entrypoint: initialising %s\n' "$PGDATA"
    # The password goes through a pipe, never through an argument.
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments on purpose
    initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") ${POSTGRES_INITDB_ARGS:-} >/dev/null
    unset POSTGRES_PASSWORD
    # initdb allows TCP from loopback only; containers reach the server over the network.
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

    pg_ctl --pgdata="$PGDATA" --wait --silent -o "-c listen_addresses='' -p 5432" start
    if [ "$POSTGRES_DB" != postgres ]; then
        psql_init --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    run_init_scripts
    pg_ctl --pgdata="$PGDATA" --wait --silent -m fast stop
    printf 'docker-entrypoint: initialisation complete\n'
}

main() {
    # Options only ("-c x=y") mean: run postgres with them.
    if [ "${1:0:1}" = '-' ]; then
        set -- postgres "$@"
    fi
    if [ "$1" != postgres ]; then
        exec "$@"
    fi
    [ "$(id -u)" != 0 ] || die "refusing to run as root: run the container as uid 70 (user: \"70:70\")"
    : "${PGDATA:=/var/lib/postgresql/data}"
    export PGDATA
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA" || die "cannot restrict $PGDATA to its owner (owned by uid $(stat -c %u "$PGDATA"), running as uid $(id -u))"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        init_cluster
    fi
    unset POSTGRES_PASSWORD_FILE
    shift
    exec postgres "$@"
}

main "$@"
