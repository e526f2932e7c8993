#!/usr/bin/env bash
# pgBackRest (Debian's package) for an lgcloud PostgreSQL cluster: writes the configuration, turns on WAL
# archiving (archive_command = pgbackrest archive-push), creates the stanza and checks it.
#
#   scripts/pgbackrest.sh configure REPO PASSPHRASE_FILE PGDATA PGPORT PGSOCKETDIR [STANZA]
#
# REPO          the repository (a directory; var/pgbackrest for one machine, a mount of the other site in production)
# PASSPHRASE_FILE  the repository's encryption passphrase (aes-256-cbc); keep a copy away from the repository
# PGDATA, PGPORT, PGSOCKETDIR  the cluster (as scripts/pg.sh or scripts/standby.sh started it)
# The schema owner (LGCLOUD_BACKUP_ROLE, default lgcloud_owner) may write restore points (lgcloud backup create).
# Retention: LGCLOUD_BACKUP_RETENTION_FULL full backups (default 2) and LGCLOUD_BACKUP_RETENTION_DIFF
# differential ones (default 6) are kept, with the WAL needed to restore any of them to any moment after it.
# Prints the environment for `lgcloud backup create|verify`. Needs superuser access over PGSOCKETDIR (trust or
# peer as postgres); runs pgBackRest as postgres when started as root.
set -euo pipefail
[ "${1:-}" = configure ] || { echo "usage: $0 configure REPO PASSPHRASE_FILE PGDATA PGPORT PGSOCKETDIR [STANZA]" >&2; exit 2; }
repo=$(realpath -m "$2"); passfile=$3; pgdata=$(realpath "$4"); port=$5; socket=$6; stanza=${7:-lgcloud}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
command -v pgbackrest >/dev/null || { echo "pgbackrest not found (apt-get install pgbackrest)" >&2; exit 3; }
[ -s "$passfile" ] || { echo "passphrase file $passfile is missing or empty" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql() { as_pg "$PGBIN/psql" -h "$socket" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

mkdir -p "$repo/repo" "$repo/log" "$repo/lock"
conf="$repo/pgbackrest.conf"
umask 077
cat > "$conf" <<EOF
# Written by scripts/pgbackrest.sh; holds the repository passphrase: readable by postgres only.
[global]
repo1-path=$repo/repo
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$(tr -d '\n' < "$passfile")
repo1-retention-full=${LGCLOUD_BACKUP_RETENTION_FULL:-2}
repo1-retention-diff=${LGCLOUD_BACKUP_RETENTION_DIFF:-6}
log-path=$repo/log
lock-path=$repo/lock
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=zst
archive-async=n

[$stanza]
pg1-path=$pgdata
pg1-port=$port
pg1-socket-path=$socket
pg1-user=postgres
EOF
[ "$(id -u)" = 0 ] && chown -R postgres "$repo"
psql -c "ALTER SYSTEM SET archive_mode = on" \
     -c "ALTER SYSTEM SET archive_command = 'pgbackrest --config=$conf --stanza=$stanza archive-push %p'" \
     -c "ALTER SYSTEM SET wal_level = replica"
# The owner role marks the moments `lgcloud backup create` records (a named restore point in the WAL).
# Function privileges live in each database: template1 (databases made later) and every existing one.
for db in $(psql -c "SELECT datname FROM pg_database WHERE datallowconn"); do
  as_pg "$PGBIN/psql" -h "$socket" -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 -qAt \
    -c "GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) TO ${LGCLOUD_BACKUP_ROLE:-lgcloud_owner}"
done
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$(dirname "$pgdata")/server.log" -w -t 60 restart >/dev/null
as_pg pgbackrest --config="$conf" --stanza="$stanza" stanza-create
as_pg pgbackrest --config="$conf" --stanza="$stanza" check
echo "export LGCLOUD_PGBACKREST_CONFIG=$conf"
echo "export LGCLOUD_PGBACKREST_STANZA=$stanza"
