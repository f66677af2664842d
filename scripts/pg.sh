#!/usr/bin/env bash
# Throwaway PostgreSQL for tests.
#
#   eval "$(scripts/pg.sh start)"   # start a private cluster, export its DSN
#   scripts/pg.sh env               # print the export line again
#   scripts/pg.sh stop              # stop it and delete its files
#
# The cluster lives in a temp directory recorded in $USHER_TEST_PG_STATE
# (default /tmp/usher-pg); fsync is off, it listens on 127.0.0.1 at a free
# port and trusts every local connection. As root, initdb and pg_ctl run as
# the postgres user (PostgreSQL refuses to run as root). When the server
# binaries are missing, the Debian postgresql package is installed.
set -eu

STATE=${USHER_TEST_PG_STATE:-/tmp/usher-pg}

log() { echo "pg.sh: $*" >&2; }

bindir() {
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	for p in $(seq 55432 55532); do
		if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

dsn() { echo "postgres://postgres@127.0.0.1:$(cat "$STATE/port")/postgres?sslmode=disable"; }

start() {
	if [ -f "$STATE/port" ] && [ -f "$STATE/bindir" ] &&
		as_pg "$(cat "$STATE/bindir")/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
		log "already running (state in $STATE)"
		echo "export USHER_TEST_POSTGRES_DSN='$(dsn)'"
		return 0
	fi
	BIN=$(bindir) || {
		log "PostgreSQL server not found; installing the postgresql package"
		if [ "$(id -u)" != 0 ]; then
			log "not root: install postgresql yourself (apt-get install -y postgresql)"
			exit 1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
			{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
		BIN=$(bindir)
	}
	rm -rf "$STATE"
	mkdir -p "$STATE"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$STATE"
	fi
	PORT=$(free_port) || { log "no free port in 55432-55532"; exit 1; }
	as_pg "$BIN/initdb" -D "$STATE/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N >"$STATE/initdb.log" 2>&1 ||
		{ log "initdb failed:"; cat "$STATE/initdb.log" >&2; exit 1; }
	as_pg "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/log" -w \
		-o "-k $STATE -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >&2 || { log "pg_ctl start failed:"; cat "$STATE/log" >&2; exit 1; }
	echo "$PORT" >"$STATE/port"
	echo "$BIN" >"$STATE/bindir"
	log "PostgreSQL running on 127.0.0.1:$PORT (state in $STATE)"
	echo "export USHER_TEST_POSTGRES_DSN='$(dsn)'"
}

stop() {
	if [ ! -d "$STATE" ]; then
		log "not running"
		return 0
	fi
	if [ -f "$STATE/bindir" ] && [ -f "$STATE/data/postmaster.pid" ]; then
		as_pg "$(cat "$STATE/bindir")/pg_ctl" -D "$STATE/data" -m fast -w stop >&2 || true
	fi
	rm -rf "$STATE"
	log "stopped and removed $STATE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env)
	[ -f "$STATE/port" ] || { log "not running; use: $0 start"; exit 1; }
	echo "export USHER_TEST_POSTGRES_DSN='$(dsn)'"
	;;
*)
	echo "usage: $0 start|stop|env" >&2
	exit 2
	;;
esac
