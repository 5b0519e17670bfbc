// rest.test.js — samsvar's FHIR REST interactions driven by fhir-kit-client from the npm registry,
// unmodified: capabilityStatement, read and vread of a CodeSystem, ValueSet and ConceptMap, create and
// update (to give a ValueSet two versions), history, search paged with nextPage/prevPage, and postSearch.
// Run by tests/run.sh as `node --test-reporter=tap rest.test.js`; one daemon for the file.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Client = require('fhir-kit-client');
const { startDaemon } = require('./support/daemon');

// Copied from /work/shared/terminology/icf.tsv (b1528's parent is b152) and the bundled mappings/.
const ICF = 'http://hl7.org/fhir/sid/icf';
const IPLOS_ICF_MAP = 'https://fhir.samsvar.no/ConceptMap/iplos-icf';
const VS_URL = 'https://fhir.samsvar.no/ValueSet/js-client-emotional';

let daemon;
let client;        // anonymous: reads are open
let maintainer;    // a maintainer's bearer token: writes

before(async () => {
  daemon = await startDaemon();
  client = new Client({ baseUrl: daemon.baseUrl });
  maintainer = new Client({ baseUrl: daemon.baseUrl, bearerToken: await daemon.token('maria', 'maintainer') });
});

after(async () => {
  if (daemon) await daemon.stop();
});

// The id of the one resource of `resourceType` with canonical `url`, found by search.
async function idOf(resourceType, url) {
  const b = await client.search({ resourceType, searchParams: { url } });
  assert.equal(b.resourceType, 'Bundle');
  assert.equal(b.total, 1, `${resourceType} ${url}: ${b.total} found`);
  return b.entry[0].resource.id;
}

// Every page of a search, following nextPage until it gives nothing.
async function allPages(first) {
  const pages = [first];
  for (let b = await client.nextPage({ bundle: first }); b; b = await client.nextPage({ bundle: b })) {
    assert.equal(b.resourceType, 'Bundle');
    pages.push(b);
    assert.ok(pages.length <= 50, 'nextPage does not end');
  }
  return pages;
}

const ids = (bundle) => (bundle.entry || []).map((e) => e.resource.id);

test('capabilityStatement: R4, the terminology resources with read, vread, search and history, the operations', async () => {
  const cs = await client.capabilityStatement();
  assert.equal(cs.resourceType, 'CapabilityStatement');
  assert.equal(cs.fhirVersion, '4.0.1');
  const rest = cs.rest.find((r) => r.mode === 'server');
  for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap']) {
    const r = rest.resource.find((x) => x.type === type);
    assert.ok(r, `${type} in rest.resource`);
    const codes = r.interaction.map((i) => i.code);
    for (const code of ['read', 'vread', 'search-type', 'history-instance'])
      assert.ok(codes.includes(code), `${type} ${code}: ${codes}`);
  }
  const ops = JSON.stringify(rest);
  for (const op of ['lookup', 'validate-code', 'subsumes', 'expand', 'translate', 'assess'])
    assert.ok(ops.includes(`"${op}"`), `operation ${op} named`);
});

test('read and vread a CodeSystem: the version read is the version vread gives', async () => {
  const id = await idOf('CodeSystem', ICF);
  const cs = await client.read({ resourceType: 'CodeSystem', id });
  assert.equal(cs.resourceType, 'CodeSystem');
  assert.equal(cs.id, id);
  assert.equal(cs.url, ICF);
  assert.match(cs.meta.versionId, /^\d+$/);
  assert.ok(cs.concept.some((c) => c.code === 'b1528'), 'read gives the concepts');
  const v = await client.vread({ resourceType: 'CodeSystem', id, version: cs.meta.versionId });
  assert.deepEqual(v, cs);
});

test('read and vread a ConceptMap', async () => {
  const id = await idOf('ConceptMap', IPLOS_ICF_MAP);
  const cm = await client.read({ resourceType: 'ConceptMap', id });
  assert.equal(cm.resourceType, 'ConceptMap');
  assert.equal(cm.url, IPLOS_ICF_MAP);
  assert.ok(cm.group.length > 0);
  const v = await client.vread({ resourceType: 'ConceptMap', id, version: cm.meta.versionId });
  assert.deepEqual(v, cm);
  await assert.rejects(client.vread({ resourceType: 'ConceptMap', id, version: '999' }),
    (e) => e.response.status === 404 && e.response.data.resourceType === 'OperationOutcome');
});

test('create, update, read, vread and history of a ValueSet', async () => {
  const body = {
    resourceType: 'ValueSet',
    url: VS_URL,
    version: '1',
    status: 'draft',
    title: 'Emotional functions',
    compose: { include: [{ system: ICF, concept: [{ code: 'b152' }] }] },
  };
  const created = await maintainer.create({ resourceType: 'ValueSet', body });
  assert.equal(created.resourceType, 'ValueSet');
  const id = created.id;
  assert.ok(id, 'create gives the id');
  assert.equal(created.meta.versionId, '1');

  body.title = 'Emotional functions, with other specified';
  body.compose.include[0].concept.push({ code: 'b1528' });
  const updated = await maintainer.update({ resourceType: 'ValueSet', id, body: { ...body, id } });
  assert.equal(updated.meta.versionId, '2');

  const read = await client.read({ resourceType: 'ValueSet', id });
  assert.equal(read.meta.versionId, '2');
  assert.equal(read.title, body.title);
  const v1 = await client.vread({ resourceType: 'ValueSet', id, version: '1' });
  assert.equal(v1.meta.versionId, '1');
  assert.equal(v1.title, 'Emotional functions');
  assert.deepEqual(v1.compose.include[0].concept, [{ code: 'b152' }]);
  assert.deepEqual(await client.vread({ resourceType: 'ValueSet', id, version: '2' }), read);

  const h = await client.history({ resourceType: 'ValueSet', id });
  assert.equal(h.resourceType, 'Bundle');
  assert.equal(h.type, 'history');
  assert.deepEqual(h.entry.map((e) => e.resource.meta.versionId), ['2', '1'], 'newest first');
  assert.equal(h.entry[1].resource.title, 'Emotional functions');
});

test('history of a CodeSystem loaded at start: one version', async () => {
  const id = await idOf('CodeSystem', ICF);
  const h = await client.resourceHistory({ resourceType: 'CodeSystem', id });
  assert.equal(h.type, 'history');
  assert.equal(h.entry.length, 1);
  assert.equal(h.entry[0].resource.id, id);
  assert.equal(h.entry[0].resource.meta.versionId, '1');
});

test('search with _count=2: nextPage through all pages, every entry once, as many as total', async () => {
    for (const resourceType of ['CodeSystem', 'ConceptMap']) {
      const first = await client.search({ resourceType, searchParams: { _count: 2 } });
      assert.equal(first.type, 'searchset');
      assert.ok(first.total > 4, `${resourceType}: enough for three pages (${first.total})`);
      const pages = await allPages(first);
      const seen = pages.flatMap(ids);
      assert.ok(pages.every((p) => ids(p).length <= 2), 'no page above _count');
      assert.equal(pages.length, Math.ceil(first.total / 2), `${resourceType}: pages`);
      assert.equal(new Set(seen).size, seen.length, `${resourceType}: an entry twice: ${seen}`);
      assert.equal(seen.length, first.total, `${resourceType}: entries = total`);
    }
  });

test('search: prevPage walks back from the last page to the first', async () => {
  const first = await client.search({ resourceType: 'ConceptMap', searchParams: { _count: 2 } });
  const pages = await allPages(first);
  assert.ok(pages.length >= 3);
  let b = pages[pages.length - 1];
  for (let i = pages.length - 2; i >= 0; i--) {
    b = await client.prevPage({ bundle: b });
    assert.ok(b, `prevPage from page ${i + 2}`);
    assert.deepEqual(ids(b), ids(pages[i]), `page ${i + 1} again`);
  }
  assert.equal(client.prevPage({ bundle: b }), undefined, 'no previous page before the first');
});

test('postSearch (form body to {type}/_search) answers as the same search by GET', async () => {
  const params = { url: IPLOS_ICF_MAP };
  const got = await client.search({ resourceType: 'ConceptMap', searchParams: params });
  const posted = await client.search({ resourceType: 'ConceptMap', searchParams: params, options: { postSearch: true } });
  assert.equal(posted.resourceType, 'Bundle');
  assert.equal(posted.total, 1);
  assert.deepEqual(ids(posted), ids(got));
  // Paged by POST too: the pages hold every map once.
  const first = await client.search({ resourceType: 'ConceptMap', searchParams: { _count: 2 },
    options: { postSearch: true } });
  const seen = (await allPages(first)).flatMap(ids);
  assert.equal(new Set(seen).size, first.total);
  assert.equal(seen.length, first.total);
});

test('the daemon exits cleanly on SIGTERM', async () => {
  const { status, log } = await daemon.stop();
  daemon = null;
  assert.equal(status, 0, log);
});
