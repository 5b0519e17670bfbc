// view-codesystems.js — code systems with versions and counts, text search, and a concept's page:
// displays per language, designations, parents and children, and every map row in and out.
import { t } from './i18n.js';
import { get, search, params, value, ICF } from './api.js';
import { h, field, select, table, errorBox, busy, conceptLink, systemName } from './ui.js';
import { matchRows, matchTable } from './view-translate.js';

const LANGS = ['nb', 'nn', 'en', 'da'];

export async function codeSystems(view) {
  const list = h('div');
  const results = h('div', { 'aria-live': 'polite' });
  view.append(h('h2', {}, t('cs.title')), list, h('h3', {}, t('cs.search')), results);
  busy(list);
  let all;
  try {
    all = await search('CodeSystem', { _summary: 'true', _count: '500', _sort: 'url' });
  } catch (e) { list.replaceChildren(errorBox(e)); return; }
  const bySystem = new Map();
  for (const cs of all) {
    if (!bySystem.has(cs.url)) bySystem.set(cs.url, []);
    bySystem.get(cs.url).push(cs);
  }
  list.replaceChildren(table([t('cs.name'), t('cs.url'), t('cs.versions'), t('cs.count'), t('cs.content')],
    [...bySystem.entries()].map(([url, versions]) => h('tr', {},
      h('td', {}, versions[0].title || versions[0].name),
      h('td', { class: 'code' }, url),
      h('td', {}, versions.map((v) => `${v.version} (${v.status})`).join(', ')),
      h('td', {}, versions.map((v) => v.count ?? '').join(', ')),
      h('td', {}, versions[0].content)))));

  const systemSel = select([...bySystem.keys()].map((u) => [u, systemName(u)]), { name: 'system' });
  systemSel.value = ICF;
  const text = h('input', { type: 'search', name: 'filter', required: true });
  const form = h('form', { class: 'inline', role: 'search' },
    field(t('cs.system'), systemSel), field(t('cs.text'), text, t('cs.text.hint')),
    h('button', { type: 'submit', class: 'primary' }, t('cs.find')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(results);
    try {
      const r = await get('/fhir/ValueSet/$expand', { url: `${systemSel.value}?fhir_vs`, filter: text.value, count: '50' });
      const contains = (r.json.expansion && r.json.expansion.contains) || [];
      const flat = [];
      const walk = (cs) => { for (const c of cs) { flat.push(c); walk(c.contains || []); } };
      walk(contains);
      results.replaceChildren(h('p', {}, t('cs.found', r.json.expansion.total ?? flat.length)),
        h('ul', {}, flat.map((c) => h('li', {}, conceptLink(c.system, c.code, c.display)))));
    } catch (e) { results.replaceChildren(errorBox(e)); }
  });
  list.after(form);
}

async function lookup(system, code, extra = {}) {
  const r = await get('/fhir/CodeSystem/$lookup', { system, code, ...extra });
  return r.json;
}

function props(p, code) {
  return params(p, 'property').filter((x) => value(params(x, 'code')[0]) === code).map((x) => value(params(x, 'value')[0]));
}

// Display of each related code (parents, children), looked up together; at most 60.
async function related(system, codes) {
  const shown = codes.slice(0, 60);
  const displays = await Promise.all(shown.map((c) => lookup(system, c, { property: 'display' })
    .then((p) => value(params(p, 'display')[0])).catch(() => '')));
  return shown.map((c, i) => h('li', {}, conceptLink(system, c, displays[i])));
}

export async function concept(view, q) {
  const system = q.get('system');
  const code = q.get('code');
  const body = h('div');
  view.append(h('p', {}, h('a', { href: '#/codesystems' }, t('cs.back'))), body);
  busy(body);
  try {
    const [main, ...perLang] = await Promise.all([lookup(system, code),
      ...LANGS.map((l) => lookup(system, code, { displayLanguage: l }).catch(() => null))]);
    const display = value(params(main, 'display')[0]);
    const designations = params(main, 'designation').map((d) => ({
      language: value(params(d, 'language')[0]), use: value(params(d, 'use')[0]), value: value(params(d, 'value')[0]),
    }));
    const parents = props(main, 'parent');
    const childrenP = await lookup(system, code, { property: 'child' }).catch(() => main);
    const children = props(childrenP, 'child');
    const [parentItems, childItems, out, back] = await Promise.all([
      related(system, parents), related(system, children),
      get('/fhir/ConceptMap/$translate', { system, code }).then((r) => r.json).catch((e) => e),
      get('/fhir/ConceptMap/$translate', { system, code, reverse: 'true' }).then((r) => r.json).catch((e) => e),
    ]);
    body.replaceChildren(
      h('h2', {}, h('span', { class: 'code' }, code), ` ${display || ''}`),
      h('p', { class: 'muted' }, `${systemName(system)} — ${system} ${value(params(main, 'version')[0]) || ''}`),
      h('h3', {}, t('concept.displays')),
      table([t('concept.lang'), t('concept.display')], LANGS.map((l, i) => {
        const d = perLang[i] && value(params(perLang[i], 'display')[0]);
        const own = designations.find((x) => x.language === l);
        return h('tr', {}, h('th', { scope: 'row' }, t(`lang.${l}`)),
          h('td', {}, own ? own.value : h('span', { class: 'muted' }, `${d || '—'} (${t('concept.fallback')})`)));
      })),
      h('h3', {}, t('concept.designations')),
      designations.length ? table([t('concept.lang'), t('concept.use'), t('concept.display')],
        designations.map((d) => h('tr', {}, h('td', {}, d.language || ''), h('td', {}, d.use ? (d.use.display || d.use.code) : ''), h('td', {}, d.value))))
        : h('p', { class: 'muted' }, t('none')),
      h('h3', {}, t('concept.parents')),
      parentItems.length ? h('ul', { class: 'parents' }, parentItems) : h('p', { class: 'muted' }, t('none')),
      h('h3', {}, t('concept.children')),
      childItems.length ? h('ul', { class: 'children' }, childItems) : h('p', { class: 'muted' }, t('none')),
      h('h3', {}, t('concept.mapsOut')),
      out instanceof Error ? errorBox(out) : matchTable(matchRows(out)),
      h('h3', {}, t('concept.mapsIn')),
      back instanceof Error ? errorBox(back) : matchTable(matchRows(back), true));
  } catch (e) { body.replaceChildren(errorBox(e)); }
}
