#!/bin/sh
# Runs every test program in $1/tests (unit tests per module, then black-box API tests) and prints
# one closing line "N passed, N failed". VALGRIND=1 runs each under valgrind's memcheck.
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
passed=0; failed=0; failed_names=""
for t in $(for g in ${TESTS_GLOB:-test_*}; do ls "$build"/tests/$g 2>/dev/null; done); do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    echo "== $(basename "$t")"
    if [ "${VALGRIND:-0}" = 1 ]; then
        valgrind --quiet --error-exitcode=99 --leak-check=full --trace-children=no \
            "$t" --jobs 1 --no-early-exit
    else
        "$t" --jobs 2
    fi
    if [ $? -eq 0 ]; then passed=$((passed+1)); else failed=$((failed+1)); failed_names="$failed_names $(basename "$t")"; fi
done
# Every FHIR response the black-box tests received, against the official JSON schema and XSD.
echo "== schema validation of captured responses"
if /usr/bin/python3 tools/validate-fhir.py "$capture" "$SAMSVAR_SHARED"; then passed=$((passed+1)); else failed=$((failed+1)); failed_names="$failed_names validate-fhir"; fi
[ -n "$failed_names" ] && echo "FAILED:$failed_names"
echo "programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
