#!/bin/sh
# Runs every test program in $1/tests (unit tests per module, then black-box API tests), then checks
# the captured responses against the FHIR schemas. Counts checks (single tests and the schema step):
# a skipped check is shown on a "SKIP: N checks skipped (reasons)" line and never counted as passed;
# the closing line is "N passed, N failed, N skipped". VALGRIND=1 runs each under valgrind's memcheck.
set -u
build=${1:-build}
export SAMSVAR_BIN="${SAMSVAR_BIN:-$PWD/$build/samsvar}"
export SAMSVAR_ROOT="$PWD"
: "${SAMSVAR_SHARED:=$PWD/../shared}"
export SAMSVAR_SHARED
[ -d "$SAMSVAR_SHARED/terminology" ] || echo "NOTE: $SAMSVAR_SHARED not found: tests that need shared terminology/schemas will be skipped"
[ -f "$SAMSVAR_SHARED/schemas/catalog.xml" ] && export XML_CATALOG_FILES="$SAMSVAR_SHARED/schemas/catalog.xml"
capture="$PWD/$build/capture"
rm -rf "$capture" && mkdir -p "$capture"
export SAMSVAR_TEST_CAPTURE="$capture"
# Criterion's synthesis line leaves skipped tests out, so each program also writes a TAP report.
tap="$PWD/$build/tap"
rm -rf "$tap" && mkdir -p "$tap"
passed=0; failed=0; skipped=0; failed_names=""; reasons="$tap/skip-reasons"
: >"$reasons"
for t in $(for g in ${TESTS_GLOB:-test_*}; do ls "$build"/tests/$g 2>/dev/null; done); do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    name=$(basename "$t")
    report="$tap/$name.tap"
    echo "== $name"
    if [ "${VALGRIND:-0}" = 1 ]; then
        valgrind --quiet --error-exitcode=99 --leak-check=full --trace-children=no \
            "$t" --jobs 1 --no-early-exit --tap="$report"
    else
        # A bound per program: a test program that hangs fails the run instead of holding CI.
        timeout "${TEST_TIMEOUT:-900}" "$t" --jobs 2 --tap="$report"
    fi
    rc=$?
    ok=$(grep -c '^ok ' "$report" 2>/dev/null)
    skip=$(grep -c '^ok .* # SKIP' "$report" 2>/dev/null)
    bad=$(grep -c '^not ok ' "$report" 2>/dev/null)
    # A program that fails without a failing test (a crash outside a test, a sanitizer report at
    # exit, valgrind's error code) still counts as one failed check.
    [ "$rc" -ne 0 ] && [ "${bad:-0}" -eq 0 ] && bad=1
    [ "${skip:-0}" -gt 0 ] && echo "   $skip skipped"
    sed -n 's/^ok .* # SKIP //p' "$report" 2>/dev/null >>"$reasons"
    passed=$((passed + ${ok:-0} - ${skip:-0})); skipped=$((skipped + ${skip:-0})); failed=$((failed + ${bad:-0}))
    [ "$rc" -ne 0 ] && failed_names="$failed_names $name"
done
# fhir-kit-client from the npm registry, unmodified, against the real daemon: tests/js/*.test.js with
# node's own test runner, one TAP report per file, counted like the programs above (not when TESTS_GLOB
# picks a subset). A `todo` test counts as any other: failing, it fails the run.
if [ -z "${TESTS_GLOB:-}" ]; then
    jsn=$(cat tests/js/*.test.js | grep -c '^\(test\|browserTest\)(')
    why=""
    if ! command -v node >/dev/null 2>&1; then why="node is not installed"
    elif [ ! -f tests/js/node_modules/fhir-kit-client/package.json ]; then
        why="fhir-kit-client is not installed in tests/js (tools/install-js-deps.sh, npm ci)"
    fi
    if [ -n "$why" ]; then
        echo "== JavaScript client tests"
        echo "SKIP: $jsn JavaScript client tests skipped ($why)"
        skipped=$((skipped + jsn))
        i=0; while [ "$i" -lt "$jsn" ]; do echo "$why" >>"$reasons"; i=$((i + 1)); done
    fi
    [ -z "$why" ] && for f in tests/js/*.test.js; do
        name=js_$(basename "$f" .test.js)
        report="$tap/$name.tap"
        echo "== $name"
        (cd tests/js && timeout "${TEST_TIMEOUT:-900}" node --test-reporter=tap "$(basename "$f")") >"$report" 2>&1
        rc=$?
        lines_ok=$(grep -c '^ok ' "$report"); lines_bad=$(grep -c '^not ok ' "$report")
        skip=$(grep -c '^ok .* # SKIP' "$report")
        ok=$((lines_ok - skip)); bad=$lines_bad
        [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
        sed -n 's/^ok .* # SKIP //p' "$report" >>"$reasons"
        grep '^not ok ' "$report" | sed 's/^/   /'
        [ "$skip" -gt 0 ] && echo "   $skip skipped"
        echo "   $ok passed, $bad failed"
        passed=$((passed + ok)); skipped=$((skipped + skip)); failed=$((failed + bad))
        if [ "$bad" -gt 0 ]; then
            failed_names="$failed_names $name"
            echo "   (the TAP report with each failure: $report)"
        fi
    done
fi
# Every FHIR response the black-box tests received, against the official JSON schema and XSD;
# validate-fhir.py exits 77 (the automake convention) when the schemas are absent.
echo "== schema validation of captured responses"
/usr/bin/python3 tools/validate-fhir.py "$capture" "$SAMSVAR_SHARED"
case $? in
0) passed=$((passed+1)) ;;
77) skipped=$((skipped+1)); echo "FHIR schemas absent under $SAMSVAR_SHARED/schemas" >>"$reasons" ;;
*) failed=$((failed+1)); failed_names="$failed_names validate-fhir" ;;
esac
# HL7's terminology cases against a fresh daemon: every case that fails must be a known failure
# (tests/tx-known-failures.md, each with its reason), so a case that passed cannot silently regress.
echo "== conformance (HL7 terminology ecosystem cases)"
CONFORMANCE_KNOWN=tests/tx-known-failures.md sh tools/conformance.sh "$build"
case $? in
0) passed=$((passed+1)) ;;
77) skipped=$((skipped+1)); echo "HL7 terminology cases absent under $SAMSVAR_SHARED/tx-tests" >>"$reasons" ;;
*) failed=$((failed+1)); failed_names="$failed_names conformance" ;;
esac
# Layers only point down: no include cycle between the gateway's modules.
echo "== include layering"
if /usr/bin/python3 tools/check-layers.py; then passed=$((passed+1)); else failed=$((failed+1)); failed_names="$failed_names check-layers"; fi
if [ "$skipped" -gt 0 ]; then
    # One line, however many reasons: the most frequent one, and where the others are kept.
    sort "$reasons" | uniq -c | sort -rn >"$reasons.counted"
    why=$(head -1 "$reasons.counted" | sed 's/^ *[0-9]* //')
    others=$(($(wc -l <"$reasons.counted") - 1))
    [ "$others" -gt 0 ] && why="$why; $others other reasons in $build/tap/skip-reasons.counted"
    echo "SKIP: $skipped checks skipped ($why)"
fi
[ -n "$failed_names" ] && echo "FAILED:$failed_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
