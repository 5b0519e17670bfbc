#!/bin/sh
# conformance.sh BUILD — runs HL7's terminology ecosystem cases ($SAMSVAR_SHARED/tx-tests, run by
# $SAMSVAR_SHARED/tools/txrunner.py) against a fresh daemon: a new store in a temporary folder loaded
# with the bundled content, on a free loopback port, stopped by PID at the end. Prints the runner's
# failures and summary; results for every case go to $BUILD/tx-results.json. Exits with the runner's
# status (0 only when every case passes), or 0 with a SKIP line when the cases are absent. With
# CONFORMANCE_KNOWN=FILE (tests/run.sh), it exits with tools/check-conformance.py's status instead:
# 0 when every failing case is listed in FILE, and 77 (not 0) when the cases are absent.
set -u
build=${1:-build}
shared=${SAMSVAR_SHARED:-$PWD/../shared}
if [ ! -f "$shared/tx-tests/test-cases.json" ] || [ ! -f "$shared/tools/txrunner.py" ]; then
	echo "SKIP: conformance: $shared/tx-tests or its runner is absent (479 cases not run)"
	[ -n "${CONFORMANCE_KNOWN:-}" ] && exit 77
	exit 0
fi
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/samsvar.conf" <<CONF
listen = 127.0.0.1:$port
store = $tmp/samsvar.db
content = $PWD/mappings
log_requests = false
CONF
"${SAMSVAR_BIN:-$build/samsvar}" serve --config "$tmp/samsvar.conf" >"$tmp/daemon.log" 2>&1 &
pid=$!
i=0
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
	i=$((i + 1))
	if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 100 ]; then
		cat "$tmp/daemon.log" >&2
		echo "conformance: the daemon did not start" >&2
		exit 2
	fi
	sleep 0.1
done
python3 "$shared/tools/txrunner.py" --base "http://127.0.0.1:$port/fhir" --tests "$shared/tx-tests" \
	--json-out "$build/tx-results.json" >"$tmp/runner.out" 2>&1
rc=$?
if [ -z "${CONFORMANCE_KNOWN:-}" ]; then
	cat "$tmp/runner.out"
	exit $rc
fi
tail -n 1 "$tmp/runner.out"
python3 tools/check-conformance.py "$build/tx-results.json" "$CONFORMANCE_KNOWN"
