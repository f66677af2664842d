#!/usr/bin/env bash
# Installs the third-party programs usher's tests drive as real peers into
# .cache/bin (ignored by git), where internal/testkit.Tool finds them:
#   oauth2-proxy, a widely deployed OpenID Connect relying party, which
#   internal/e2e's TestOAuth2ProxySignIn puts in front of an application.
# It is built from the Go module proxy with `go install` (not a dependency
# of usher's go.mod). A binary of the pinned version already there is kept
# (`go version -m` reads the module version it was built from), so a warm
# run costs a few milliseconds. A failed install only
# warns: the test then skips, or fails under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

OAUTH2_PROXY_VERSION=v7.15.6
bin="$PWD/.cache/bin"
mkdir -p "$bin"

mod=github.com/oauth2-proxy/oauth2-proxy/v7
if ! go version -m "$bin/oauth2-proxy" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$mod[[:space:]]+$OAUTH2_PROXY_VERSION[[:space:]]"; then
	printf '==> installing oauth2-proxy %s into .cache/bin\n' "$OAUTH2_PROXY_VERSION" >&2
	# The version stamp is what oauth2-proxy's own Makefile sets.
	GOBIN="$bin" GOFLAGS= go install -ldflags="-X $mod/pkg/version.VERSION=$OAUTH2_PROXY_VERSION" "$mod@$OAUTH2_PROXY_VERSION" ||
		echo "warning: could not install oauth2-proxy $OAUTH2_PROXY_VERSION; its end-to-end test will skip (fail under CI=true)" >&2
fi
