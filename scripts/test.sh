#!/usr/bin/env bash
# usher's whole test suite, as `make test` and CI run it:
#   1. go vet ./...
#   2. a Chromium for the browser tests (installed with apt-get when missing)
#      and oauth2-proxy, the relying party the OpenID Provider's end-to-end
#      test signs in to (scripts/tools.sh: built once into .cache/bin)
#   3. a throwaway PostgreSQL cluster (scripts/pg.sh), so every package's
#      PostgreSQL tests run instead of skipping
#   4. go test ./... (extra arguments are passed on, e.g. -run or -v;
#      USHER_TEST_PKGS narrows the packages, e.g. USHER_TEST_PKGS=./internal/cli/...)
# PostgreSQL is stopped and removed at the end, whatever happened; the exit
# status is go test's.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*" >&2; }

pkgs=${USHER_TEST_PKGS:-./...}

step "go vet $pkgs"
go vet $pkgs

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-headless-shell >/dev/null 2>&1 &&
	! command -v google-chrome >/dev/null 2>&1 && ! command -v headless-shell >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		step "installing chromium-headless-shell for the browser tests"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y --no-install-recommends chromium-headless-shell >/dev/null ||
			{ apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium-headless-shell >/dev/null; }
	else
		echo "warning: no Chromium on PATH and cannot install it; browser tests may skip" >&2
	fi
fi

scripts/tools.sh

# A private cluster, so a developer's own scripts/pg.sh cluster is left alone.
export USHER_TEST_PG_STATE="/tmp/usher-pg-test-$$"
trap 'scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT
step "starting a throwaway PostgreSQL"
eval "$(scripts/pg.sh start)"

step "go test $pkgs"
status=0
go test -count=1 -timeout 20m $pkgs "$@" || status=$?
exit "$status"
