#!/usr/bin/env bash
# PgBouncer (Debian's package) in front of PostgreSQL, transaction pooling.
#
#   deploy/pgbouncer/run.sh start   # listens on $PGBOUNCER_PORT (6432), upstream $PGHOST:$PGPORT
#   deploy/pgbouncer/run.sh stop
#
# Then point DATABASE_URL at it with ?pooler=pgbouncer, e.g.
#   DATABASE_URL='postgres://postgres@127.0.0.1:6432/arena?pooler=pgbouncer'
# (docs/production.md "PgBouncer"). Its files live in $PGBOUNCER_DIR (/tmp/arena-pgbouncer).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${PGBOUNCER_DIR:-/tmp/arena-pgbouncer}"
port="${PGBOUNCER_PORT:-6432}"
user="${PGBOUNCER_USER:-postgres}"  # PgBouncer refuses to run as root; -u drops to this user

case "${1:-}" in
  start)
    command -v pgbouncer >/dev/null || PATH="$PATH:/usr/sbin"
    if pg_isready -q -h 127.0.0.1 -p "$port"; then echo "port $port is taken already" >&2; exit 1; fi
    mkdir -p "$dir"
    sed -e "s|@UPSTREAM_HOST@|${PGHOST:-127.0.0.1}|" -e "s|@UPSTREAM_PORT@|${PGPORT:-5432}|" \
        -e "s|@LISTEN_ADDR@|${PGBOUNCER_ADDR:-127.0.0.1}|" -e "s|@LISTEN_PORT@|$port|" -e "s|@RUN_DIR@|$dir|" \
        "$here/pgbouncer.ini.template" > "$dir/pgbouncer.ini"
    echo "\"$user\" \"\"" > "$dir/userlist.txt"
    if [ "$(id -u)" = 0 ]; then chown -R "$user" "$dir"; as_user=(-u "$user"); else as_user=(); fi
    pgbouncer -d "${as_user[@]}" "$dir/pgbouncer.ini"
    for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p "$port" && exit 0; sleep 0.1; done
    echo "pgbouncer did not start; see $dir/pgbouncer.log" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/pgbouncer.pid" ]; then kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true; fi
    for _ in $(seq 50); do [ -f "$dir/pgbouncer.pid" ] || exit 0; sleep 0.1; done
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
