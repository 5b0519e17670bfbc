// operations.test.js — every terminology operation samsvar serves (gateway/fhirapi.c ROUTES: $lookup,
// $validate-code on CodeSystem and ValueSet, $subsumes, $expand, $translate, $assess) called through
// fhir-kit-client's operation(), unmodified: POSTed Parameters, and GET with query parameters where the
// operation takes GET; the messaging operations ($process-message, $send-message) refusing what is not
// theirs (the maintainers' operations are in workflow.test.js); then a batch Bundle of $validate-code
// and $translate entries through batch().
// Run by tests/run.sh as `node --test-reporter=tap operations.test.js`; one daemon for the file.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Client = require('fhir-kit-client');
const { startDaemon } = require('./support/daemon');

// Codes and displays copied from /work/shared/terminology: iplos_9111_funksjonsvariabel.csv (4, 7, 20)
// and icf.tsv (b152 "Emotional functions" is the parent of b1528); the IPLOS 20 → ICF b1528 row and
// the map url from mappings/conceptmap-iplos-icf.tsv.
const IPLOS = 'urn:oid:2.16.578.1.12.4.1.1.9111';
const ICF = 'http://hl7.org/fhir/sid/icf';
const ICF_B152_VS = `${ICF}?fhir_vs=isa/b152`;
const IPLOS_ICF_MAP = 'https://fhir.samsvar.no/ConceptMap/iplos-icf';

let daemon;
let client;

before(async () => {
  daemon = await startDaemon();
  client = new Client({ baseUrl: daemon.baseUrl });
});

after(async () => {
  if (daemon) await daemon.stop();
});

// A Parameters resource from { name: [valueType, value] }.
function parameters(spec) {
  return {
    resourceType: 'Parameters',
    parameter: Object.entries(spec).map(([name, [type, value]]) => ({ name, [`value${type}`]: value })),
  };
}

// The value of the parameter `name` in Parameters `p` (whatever its type), or undefined.
function param(p, name) {
  assert.equal(p.resourceType, 'Parameters', JSON.stringify(p));
  const found = (p.parameter || []).find((x) => x.name === name);
  if (!found) return undefined;
  const key = Object.keys(found).find((k) => k.startsWith('value'));
  return key ? found[key] : found;
}

test('$lookup on CodeSystem: POSTed Parameters and GET give the display', async () => {
  const posted = await client.operation({ name: '$lookup', resourceType: 'CodeSystem',
    input: parameters({ system: ['Uri', IPLOS], code: ['Code', '20'] }) });
  assert.equal(param(posted, 'display'), 'Opplevelse av trygghet');
  const got = await client.operation({ name: 'lookup', resourceType: 'CodeSystem', method: 'GET',
    input: { system: ICF, code: 'b1528' } });
  assert.equal(param(got, 'display'), 'Emotional functions, other specified');
  assert.equal(param(got, 'version'), '2001');
  await assert.rejects(client.operation({ name: 'lookup', resourceType: 'CodeSystem', method: 'GET',
    input: { system: ICF, code: 'no-such-code' } }),
  (e) => e.response.status === 404 && e.response.data.resourceType === 'OperationOutcome');
});

test('$validate-code on CodeSystem: a right display is true, a wrong one false with a message', async () => {
  const right = await client.operation({ name: 'validate-code', resourceType: 'CodeSystem',
    input: parameters({ url: ['Uri', IPLOS], code: ['Code', '20'], display: ['String', 'Opplevelse av trygghet'] }) });
  assert.equal(param(right, 'result'), true);
  const wrong = await client.operation({ name: 'validate-code', resourceType: 'CodeSystem', method: 'GET',
    input: { url: IPLOS, code: '20', display: 'Personlig hygiene' } });
  assert.equal(param(wrong, 'result'), false);
  assert.match(param(wrong, 'message'), /Opplevelse av trygghet/);
});

test('$validate-code on ValueSet: in the implicit is-a value set, and not', async () => {
  const inside = await client.operation({ name: 'validate-code', resourceType: 'ValueSet',
    input: parameters({ url: ['Uri', ICF_B152_VS], system: ['Uri', ICF], code: ['Code', 'b1528'] }) });
  assert.equal(param(inside, 'result'), true);
  assert.equal(param(inside, 'display'), 'Emotional functions, other specified');
  const outside = await client.operation({ name: 'validate-code', resourceType: 'ValueSet', method: 'GET',
    input: { url: `${ICF}?fhir_vs=isa/b1528`, system: ICF, code: 'b152' } });
  assert.equal(param(outside, 'result'), false);
});

test('$subsumes: b152 subsumes b1528, and the other way round', async () => {
  const down = await client.operation({ name: 'subsumes', resourceType: 'CodeSystem',
    input: parameters({ system: ['Uri', ICF], codeA: ['Code', 'b152'], codeB: ['Code', 'b1528'] }) });
  assert.equal(param(down, 'outcome'), 'subsumes');
  const up = await client.operation({ name: 'subsumes', resourceType: 'CodeSystem', method: 'GET',
    input: { system: ICF, codeA: 'b1528', codeB: 'b152' } });
  assert.equal(param(up, 'outcome'), 'subsumed-by');
});

test('$expand: the implicit is-a value set holds b152 and b1528, paged with count', async () => {
  const vs = await client.operation({ name: 'expand', resourceType: 'ValueSet',
    input: parameters({ url: ['Uri', ICF_B152_VS] }) });
  assert.equal(vs.resourceType, 'ValueSet');
  const flat = [];
  const walk = (list) => (list || []).forEach((c) => { flat.push(c.code); walk(c.contains); });
  walk(vs.expansion.contains);
  assert.ok(flat.includes('b152') && flat.includes('b1528'), flat.join(' '));
  assert.equal(vs.expansion.total, flat.length);
  const page = await client.operation({ name: 'expand', resourceType: 'ValueSet', method: 'GET',
    input: { url: ICF_B152_VS, count: 1, offset: 1 } });
  assert.equal(page.expansion.contains.length, 1);
  assert.equal(page.expansion.offset, 1);
  assert.equal(page.expansion.total, flat.length);
});

test('$translate: IPLOS 20 to ICF b1528, by type and on the map instance', async () => {
  const t = await client.operation({ name: 'translate', resourceType: 'ConceptMap',
    input: parameters({ url: ['Uri', IPLOS_ICF_MAP], system: ['Uri', IPLOS], code: ['Code', '20'] }) });
  assert.equal(param(t, 'result'), true);
  const match = t.parameter.find((p) => p.name === 'match');
  const concept = match.part.find((p) => p.name === 'concept').valueCoding;
  assert.deepEqual([concept.system, concept.code], [ICF, 'b1528']);

  const search = await client.search({ resourceType: 'ConceptMap', searchParams: { url: IPLOS_ICF_MAP } });
  const id = search.entry[0].resource.id;
  const byId = await client.operation({ name: 'translate', resourceType: 'ConceptMap', id, method: 'GET',
    input: { system: IPLOS, code: '20' } });
  assert.deepEqual(byId.parameter, t.parameter);
});

test('$assess: an IPLOS assessment gives Observations, Conditions and a proposed CarePlan', async () => {
  const item = (variable, score) => ({ name: 'item', part: [
    { name: 'variable', valueCoding: { system: IPLOS, code: variable } },
    { name: 'score', valueInteger: score }] });
  const b = await client.operation({ name: 'assess',
    input: { resourceType: 'Parameters', parameter: [item('4', 3), item('7', 3), item('20', 2)] } });
  assert.equal(b.resourceType, 'Bundle');
  const types = b.entry.map((e) => e.resource.resourceType);
  assert.equal(types.filter((t) => t === 'Observation').length, 3);
  assert.equal(types.filter((t) => t === 'Condition').length, 2, 'score 3 is a problem, 2 is not');
  const plan = b.entry.find((e) => e.resource.resourceType === 'CarePlan').resource;
  assert.equal(plan.intent, 'proposal');
  const definition = await client.read({ resourceType: 'OperationDefinition', id: 'assess' });
  assert.equal(definition.code, 'assess');
  await assert.rejects(client.operation({ name: 'assess',
    input: { resourceType: 'Parameters', parameter: [item('4', 7)] } }),
  (e) => e.response.status === 400 && e.response.data.resourceType === 'OperationOutcome');
});

// The message exchange itself (a report sent to a receiver, its acknowledgement) is test_api_messages.c's;
// here the two messaging operations are reached through operation() and refuse what is not theirs.
test('$process-message and $send-message: reached through operation(), refusing what is not a message', async () => {
  await assert.rejects(client.operation({ name: 'process-message',
    input: { resourceType: 'Bundle', type: 'collection' } }),
  (e) => e.response.status === 400 && e.response.data.resourceType === 'OperationOutcome');
  // Sending carries patient data: a token even where reads are open.
  await assert.rejects(client.operation({ name: 'send-message', input: { resourceType: 'Parameters' } }),
    (e) => e.response.status === 401 && e.response.data.resourceType === 'OperationOutcome');
  const reader = new Client({ baseUrl: daemon.baseUrl, bearerToken: await daemon.token('ola', 'reader') });
  await assert.rejects(reader.operation({ name: 'send-message', input: { resourceType: 'Parameters' } }),
    (e) => e.response.status >= 400 && e.response.status < 500 && e.response.status !== 401
      && e.response.status !== 403 && e.response.data.resourceType === 'OperationOutcome');
});

test('batch: $validate-code and $translate entries answered independently in a batch-response', async () => {
    const body = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'POST', url: 'ValueSet/$validate-code' },
          resource: parameters({ url: ['Uri', ICF_B152_VS], system: ['Uri', ICF], code: ['Code', 'b1528'] }) },
        { request: { method: 'GET',
          url: `CodeSystem/$validate-code?url=${encodeURIComponent(IPLOS)}&code=20` } },
        { request: { method: 'POST', url: 'ConceptMap/$translate' },
          resource: parameters({ url: ['Uri', IPLOS_ICF_MAP], system: ['Uri', IPLOS], code: ['Code', '20'] }) },
        { request: { method: 'GET', url: `CodeSystem/$lookup?system=${encodeURIComponent(ICF)}&code=no-such-code` } },
      ],
    };
    const r = await client.batch({ body });
    assert.equal(r.resourceType, 'Bundle');
    assert.equal(r.type, 'batch-response');
    assert.equal(r.entry.length, 4);
    const status = r.entry.map((e) => e.response.status.slice(0, 3));
    assert.deepEqual(status, ['200', '200', '200', '404']);
    assert.equal(param(r.entry[0].resource, 'result'), true);
    assert.equal(param(r.entry[1].resource, 'result'), true);
    assert.equal(param(r.entry[2].resource, 'result'), true);
    assert.equal(r.entry[3].response.outcome.resourceType, 'OperationOutcome');
  });

test('the daemon exits cleanly on SIGTERM', async () => {
  const { status, log } = await daemon.stop();
  daemon = null;
  assert.equal(status, 0, log);
});
