#!/usr/bin/env bash
# Make a local PostgreSQL available to the test suite (tests/store), then make sure the
# test database exists. Idempotent; safe to run before every `make test`.
#
#   1. if pg_isready says a server answers on PGHOST:PGPORT, use it;
#   2. else install PostgreSQL from Debian's packages if it is missing (apt-get);
#   3. start the cluster listening on PGPORT (creating one if there is none);
#   4. if the server refuses passwordless TCP logins for PGUSER from localhost, add
#      `trust` lines for 127.0.0.1 and ::1 to that cluster's pg_hba.conf (test machines only);
#   5. create the database REVLAKE_TEST_DB (default revlake_test) if it is missing.
#
# Settings (environment): PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres),
# REVLAKE_TEST_DB (revlake_test). Tests then connect with REVLAKE_TEST_POSTGRES_URL,
# default postgresql+psycopg://postgres@127.0.0.1:5432/revlake_test.
set -euo pipefail

export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-postgres}"
DB="${REVLAKE_TEST_DB:-revlake_test}"

say() { echo "ensure_postgres: $*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_isready >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    say "PostgreSQL is not installed; installing it from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq postgresql >/dev/null
fi

cluster_on_port() {  # prints "VERSION NAME STATUS" of the cluster configured for PGPORT
    pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port {print $1, $2, $4; exit}'
}

if pg_isready -q -t 3; then
    say "server answering on $PGHOST:$PGPORT"
else
    read -r version name status < <(cluster_on_port || true) || true
    if [ -z "${version:-}" ]; then
        version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
        name="main"
        if [ -d "/etc/postgresql/$version/$name" ]; then
            name="revlake$PGPORT"
        fi
        say "creating cluster $version/$name on port $PGPORT"
        as_root pg_createcluster "$version" "$name" --port "$PGPORT" >/dev/null
    fi
    say "starting cluster $version/$name"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
    for _ in $(seq 1 30); do
        pg_isready -q -t 1 && break
        sleep 1
    done
    pg_isready -q -t 3 || { say "cluster $version/$name did not come up"; exit 1; }
fi

if ! psql -w -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    read -r version name _ < <(cluster_on_port) || true
    hba="/etc/postgresql/${version:-?}/${name:-?}/pg_hba.conf"
    if [ ! -f "$hba" ]; then
        say "cannot log in as $PGUSER on $PGHOST:$PGPORT and found no pg_hba.conf to fix"
        exit 1
    fi
    say "allowing passwordless local TCP logins in $hba (test machine)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload
    sleep 1
    psql -w -d postgres -tAc 'SELECT 1' >/dev/null
fi

if [ "$(psql -w -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    say "creating database $DB"
    psql -w -d postgres -qc "CREATE DATABASE \"$DB\""
fi
say "ready: postgresql://$PGUSER@$PGHOST:$PGPORT/$DB"
