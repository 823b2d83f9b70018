#!/usr/bin/env bash
# Throwaway services for the tests: a PostgreSQL server on 127.0.0.1 (a free port), in a temp
# directory, stopped and removed when the command ends.
#
#   bash scripts/test-services.sh CMD [ARGS…]   # start, run CMD with SEGPROFILE_TEST_PG_URL set, stop
#   bash scripts/test-services.sh               # start, print the URL, wait for Ctrl-C, stop
#
# PostgreSQL is installed with apt-get when its binaries are absent (the machines run as root).
# The cluster belongs to the `postgres` user when run as root (initdb refuses root).
set -euo pipefail

find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/pg_ctl && -x $d/initdb ]] && { echo "$d"; return 0; }
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  return 1
}

PGBIN=$(find_pg_bin || true)
if [[ -z $PGBIN ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Нужен PostgreSQL для тестов: sudo apt-get install postgresql" >&2
    exit 1
  fi
  echo "Устанавливаю PostgreSQL (apt-get install postgresql)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PGBIN=$(find_pg_bin)
fi

DIR=$(mktemp -d /tmp/segprofile-pg.XXXXXX)
as_owner() { "$@"; }
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  chown postgres:postgres "$DIR"
  as_owner() { runuser -u postgres -- "$@"; }
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

stop() {
  as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM

as_owner "$PGBIN/initdb" -D "$DIR/data" -U segprofile --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || as_owner "$PGBIN/initdb" -D "$DIR/data" -U segprofile --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U segprofile segprofile_test

export SEGPROFILE_TEST_PG_URL="postgresql://segprofile@127.0.0.1:$PORT/segprofile_test"
echo "PostgreSQL для тестов: $SEGPROFILE_TEST_PG_URL" >&2

if (($#)); then
  set +e
  "$@"
  status=$?
  set -e
  exit $status
fi
echo "Сервер работает; Ctrl-C — остановить." >&2
while true; do sleep 3600; done
