#!/bin/sh
# Set-up for the JavaScript tests (tests/js): node and npm from Debian when the machine has
# neither command (tools/install-deps.sh; a node that ships its own npm, as NodeSource's does, is
# kept), Debian's chromium for the web page's browser tests (tests/js/web.test.js), then the packages
# pinned by tests/js/package-lock.json from the npm registry (`npm ci`, install scripts off:
# fhir-kit-client, and playwright-core, which drives /usr/bin/chromium and never downloads a browser)
# into tests/js/node_modules, again only when the lock file changed since.
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
sh tools/install-deps.sh chromium ||
    echo "samsvar: chromium not installed: the web page's browser tests will be skipped" >&2
stamp=$dir/node_modules/.package-lock.json
[ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ] && exit 0
echo "samsvar: npm ci in $dir (fhir-kit-client and playwright-core from the npm registry)" >&2
if ! (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2); then
    echo "samsvar: npm ci failed in $dir: the JavaScript client tests will be skipped" >&2
    rm -rf "$dir/node_modules"
fi
exit 0
