// workflow.test.js — the content maintainers' operations (gateway/fhirapi.c ROUTES: $publish, $diff,
// $rollback, $import) driven by fhir-kit-client, unmodified, with bearer tokens: the round of README's
// "Maintaining content over the API" — publish the bundled draft map, start 0.2.0 as a draft with
// update(), review it with $diff, publish it, roll back — and a code system imported with $import.
// Run by tests/run.sh as `node --test-reporter=tap workflow.test.js`; one daemon for the file.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Client = require('fhir-kit-client');
const { startDaemon } = require('./support/daemon');

// The bundled map (mappings/conceptmap-iplos-icf.tsv) and its id as the content loader makes it.
const MAP_URL = 'https://fhir.samsvar.no/ConceptMap/iplos-icf';
const MAP_ID = 'iplos-icf-0.1.0';
const NEXT_ID = 'iplos-icf-0.2.0';

let daemon;
let reader;
let maintainer;
let publisher;

before(async () => {
  daemon = await startDaemon();
  reader = new Client({ baseUrl: daemon.baseUrl });
  maintainer = new Client({ baseUrl: daemon.baseUrl, bearerToken: await daemon.token('maria', 'maintainer') });
  publisher = new Client({ baseUrl: daemon.baseUrl, bearerToken: await daemon.token('per', 'publisher') });
});

after(async () => {
  if (daemon) await daemon.stop();
});

const reason = (text) => ({ resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: text }] });

test('$publish, $diff, $rollback and the audit trail: a map version reviewed, published and rolled back', async () => {
  // Only a publisher publishes: a maintainer's token is refused.
  await assert.rejects(maintainer.operation({ name: 'publish', resourceType: 'ConceptMap', id: MAP_ID,
    input: reason('reviewed') }), (e) => e.response.status === 403);
  await publisher.operation({ name: 'publish', resourceType: 'ConceptMap', id: MAP_ID, input: reason('reviewed') });
  const v1 = await reader.read({ resourceType: 'ConceptMap', id: MAP_ID });
  assert.equal(v1.status, 'active');

  // 0.2.0 as a draft: the same rows, one target's comment changed.
  const draft = JSON.parse(JSON.stringify(v1));
  delete draft.meta;
  Object.assign(draft, { id: NEXT_ID, version: '0.2.0', status: 'draft' });
  const element = draft.group[0].element[0];
  element.target[0].comment = 'Changed for the review by the JavaScript client test.';
  await maintainer.update({ resourceType: 'ConceptMap', id: NEXT_ID, body: draft });

  const diff = await reader.operation({ name: 'diff', resourceType: 'ConceptMap', method: 'GET',
    input: { url: MAP_URL, from: '0.1.0', to: '0.2.0' } });
  assert.equal(diff.resourceType, 'Parameters');
  const text = JSON.stringify(diff);
  assert.match(text, /Changed for the review by the JavaScript client test\./, text);
  assert.ok(text.includes(`"${element.code}"`), `the changed row names its source code ${element.code}`);

  await publisher.operation({ name: 'publish', resourceType: 'ConceptMap', id: NEXT_ID, input: reason('reviewed') });
  assert.equal((await reader.read({ resourceType: 'ConceptMap', id: NEXT_ID })).status, 'active');
  assert.equal((await reader.read({ resourceType: 'ConceptMap', id: MAP_ID })).status, 'retired');

  await publisher.operation({ name: 'rollback', resourceType: 'ConceptMap', input: { resourceType: 'Parameters',
    parameter: [{ name: 'url', valueUri: MAP_URL }, { name: 'version', valueString: '0.1.0' },
      { name: 'reason', valueString: 'the comment was wrong' }] } });
  assert.equal((await reader.read({ resourceType: 'ConceptMap', id: MAP_ID })).status, 'active');
  assert.equal((await reader.read({ resourceType: 'ConceptMap', id: NEXT_ID })).status, 'retired');
  // Who did what: the audit trail, for those who change content.
  const audit = await maintainer.search({ resourceType: 'AuditEvent', searchParams: { agent: 'per', action: 'publish' } });
  assert.equal(audit.resourceType, 'Bundle');
  assert.equal(audit.entry.length, 2, 'two publications by per');
  await assert.rejects(reader.search({ resourceType: 'AuditEvent', searchParams: { agent: 'per' } }),
    (e) => e.response.status === 401);
  await assert.rejects(publisher.operation({ name: 'rollback', resourceType: 'ConceptMap',
    input: { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: MAP_URL },
      { name: 'version', valueString: '0.1.0' }] } }),
  (e) => e.response.status === 400 && JSON.stringify(e.response.data).includes('reason'));
});

test('$import: a FHIR CodeSystem sent as the body is stored as a draft and answers $lookup', async () => {
  const cs = {
    resourceType: 'CodeSystem',
    url: 'http://example.org/fhir/CodeSystem/js-import',
    version: '1',
    name: 'JsImport',
    status: 'draft',
    content: 'complete',
    concept: [{ code: 'x', display: 'Imported by the JavaScript client test' }],
  };
  // The client builds the operation's URL from its name: the query string rides along.
  const answer = await maintainer.operation({ name: 'import?kind=fhir', input: cs });
  assert.equal(answer.resourceType, 'Parameters');
  const created = answer.parameter.filter((p) => p.name === 'created');
  assert.equal(created.length, 1, JSON.stringify(answer));
  const found = await reader.search({ resourceType: 'CodeSystem', searchParams: { url: cs.url } });
  assert.equal(found.total, 1);
  assert.equal(created[0].valueReference.reference, `CodeSystem/${found.entry[0].resource.id}/_history/1`);
  assert.equal(created[0].valueReference.display, `${cs.url}|1`);
  // An import only adds: the same url and version again is a conflict.
  await assert.rejects(maintainer.operation({ name: 'import?kind=fhir', input: cs }), (e) => e.response.status === 409);
  assert.equal(found.entry[0].resource.status, 'draft');
  const look = await reader.operation({ name: 'lookup', resourceType: 'CodeSystem', method: 'GET',
    input: { system: cs.url, code: 'x' } });
  assert.ok(JSON.stringify(look).includes('Imported by the JavaScript client test'));
  await assert.rejects(reader.operation({ name: 'import?kind=fhir', input: cs }), (e) => e.response.status === 401);
});

test('the daemon exits cleanly on SIGTERM', async () => {
  const { status, log } = await daemon.stop();
  daemon = null;
  assert.equal(status, 0, log);
});
