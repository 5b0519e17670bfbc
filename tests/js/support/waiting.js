// waiting.js — the features these tests check that other branches build. A test that needs one is
// marked `todo` while the feature is listed here: tests/run.sh counts a failing todo test as skipped
// (with this reason) and a passing one as FAILED, so the entry must be deleted once the branch is in
// main — from then on the test counts like any other and its breakage fails the run.
'use strict';

const WAITING = {
  batch: 'waits for branch batch (POST /fhir with a batch Bundle)',
  content: 'waits for branch content ($translate on the IPLOS to ICF map gives each ICF match its qualifier)',
};

// Options for node:test's test(): { todo: reason } while `feature` is still waited for, else {}.
function waitsFor(feature) {
  return WAITING[feature] ? { todo: WAITING[feature] } : {};
}

module.exports = { waitsFor };
