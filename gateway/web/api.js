// api.js — the page's only way to the server: the public FHIR API under /fhir and /messages (and
// /auth/whoami for the token's role), with the
// bearer token the user entered (kept in sessionStorage: for this tab only, gone when it closes).
const TOKEN_KEY = 'samsvar.token';
const ROLE_KEY = 'samsvar.role';

export const IPLOS = 'urn:oid:2.16.578.1.12.4.1.1.9111';
// The canonical base of this server's own code systems and extensions (its config canonical_base),
// read from the CapabilityStatement's url by init() before the first view; the default base until then.
let BASE = 'https://fhir.samsvar.no';
export let SCORE = `${BASE}/CodeSystem/iplos-score`;
export const ICF = 'http://hl7.org/fhir/sid/icf';
export const SNOMED = 'http://snomed.info/sct';
export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const SERVICE = 'urn:oid:2.16.578.1.12.4.1.1.9151';
export let QUALIFIER = `${BASE}/CodeSystem/icf-qualifier`;
export function base() { return BASE; }

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function role() { return token() ? (sessionStorage.getItem(ROLE_KEY) || 'reader') : ''; }

const RANK = { '': 0, reader: 1, maintainer: 2, publisher: 3, admin: 4 };
// Whether the token in use has at least `least` (reader < maintainer < publisher < admin).
export function may(least) { return RANK[role()] >= RANK[least]; }

// An answer that is not 2xx: its status and, when the server sent one, its OperationOutcome.
export class ApiError extends Error {
  constructor(status, outcome, text) {
    const issues = outcome && Array.isArray(outcome.issue) ? outcome.issue : [];
    super(issues.map((i) => (i.details && i.details.text) || i.diagnostics || i.code).join('; ')
      || text || `HTTP ${status}`);
    this.status = status;
    this.issues = issues;
  }
}

// One request. `path` starts with /fhir or /messages; `query` an object (arrays repeat a name);
// `body` an object sent as FHIR JSON; `headers` extra headers. Resolves to
// { status, json, text, headers }; rejects with ApiError for any status >= 400.
export async function request(method, path, { query, body, headers = {}, raw = false } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    for (const one of [].concat(v)) if (one !== undefined && one !== '') url.searchParams.append(k, one);
  }
  const h = { Accept: 'application/fhir+json', ...headers };
  if (token()) h.Authorization = `Bearer ${token()}`;
  const init = { method, headers: h };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] = h['Content-Type'] || 'application/fhir+json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let json = null;
  if (!raw) try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (r.status >= 400) {
    throw new ApiError(r.status, json && json.resourceType === 'OperationOutcome' ? json : null, text);
  }
  return { status: r.status, json, text, headers: r.headers };
}

export const get = (path, query, opts = {}) => request('GET', path, { ...opts, query });
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });

// Sets the token and asks the daemon whose it is (GET /auth/whoami: name and role; 401 for a bad
// token), so the page offers only what the role may do.
export async function useToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
  sessionStorage.removeItem(ROLE_KEY);
  let me;
  try {
    me = await get('/auth/whoami');
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw e;
  }
  const found = me.json && RANK[me.json.role] !== undefined ? me.json.role : 'reader';
  sessionStorage.setItem(ROLE_KEY, found);
  return found;
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROLE_KEY);
}

// A FHIR Parameters body from [name, value-type, value] triples and part lists.
export function parameters(list) {
  return { resourceType: 'Parameters', parameter: list.filter(Boolean) };
}

// The values of parameter `name` in a Parameters resource (its parameter or part list).
export function params(p, name) {
  return ((p && (p.parameter || p.part)) || []).filter((x) => x.name === name);
}

// The value[x] of one parameter.
export function value(p) {
  if (!p) return undefined;
  const k = Object.keys(p).find((key) => key.startsWith('value'));
  return k ? p[k] : undefined;
}

// Every resource of a search Bundle, following no links (the page asks for enough with _count).
export async function search(type, query) {
  const r = await get(`/fhir/${type}`, query);
  return ((r.json && r.json.entry) || []).map((e) => e.resource);
}

// Reads the server's canonical base (see BASE). Metadata is open even under `auth = all`; if it cannot
// be read the default base stays, and the views say what the server answers.
export async function init() {
  try {
    const r = await get('/fhir/metadata', { _summary: 'true' });
    const url = (r.json && r.json.url) || '';
    const i = url.indexOf('/CapabilityStatement/');
    if (i > 0) {
      BASE = url.slice(0, i);
      SCORE = `${BASE}/CodeSystem/iplos-score`;
      QUALIFIER = `${BASE}/CodeSystem/icf-qualifier`;
    }
  } catch { /* keep the default */ }
}
