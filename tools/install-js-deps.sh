#!/bin/sh
# Set-up for the JavaScript client tests (tests/js): node and npm from Debian when the machine has
# neither command (tools/install-deps.sh; a node that ships its own npm, as NodeSource's does, is
# kept), then the client pinned by tests/js/package-lock.json from the npm registry (`npm ci`, install
# scripts off) into tests/js/node_modules, again only when the lock file changed since.
# Never fails the build: when something cannot be installed it says why, and tests/run.sh skips the
# JavaScript tests on a visible SKIP line.
set -u
dir=tests/js
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    sh tools/install-deps.sh nodejs npm || {
        echo "samsvar: node/npm not installed: the JavaScript client tests will be skipped" >&2
        exit 0
    }
fi
stamp=$dir/node_modules/.package-lock.json
[ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ] && exit 0
echo "samsvar: npm ci in $dir (fhir-kit-client from the npm registry)" >&2
if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2); then
    echo "samsvar: npm ci failed in $dir: the JavaScript client tests will be skipped" >&2
    rm -rf "$dir/node_modules"
fi
exit 0
