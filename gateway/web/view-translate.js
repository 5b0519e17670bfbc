// view-translate.js — $translate: an IPLOS variable and score (or any system and code) to ICF with
// qualifier, SNOMED CT and FSIII, each with equivalence, map version and the path of a chained
// answer; the raw answer as R4 or R5.
import { t } from './i18n.js';
import { post, parameters, params, value, search, IPLOS, SCORE, ICF, SNOMED, FSIII, SERVICE, QUALIFIER } from './api.js';
import { h, field, select, table, errorBox, busy, codingCell, systemName, pre } from './ui.js';

// The matches of a $translate answer, R4 or R5 names alike.
export function matchRows(answer) {
  return params(answer, 'match').map((m) => {
    const concept = value(params(m, 'concept')[0]);
    const products = params(m, 'product').map((p) => ({
      element: value(params(p, 'element')[0]) || value(params(p, 'attribute')[0]),
      coding: value(params(p, 'concept')[0]) || value(params(p, 'value')[0]) || params(p, 'valueCoding')[0],
    }));
    const depends = params(m, 'dependsOn').map((p) => value(params(p, 'concept')[0]) || value(params(p, 'value')[0]));
    const sources = [...params(m, 'source'), ...params(m, 'originMap')].map(value);
    return {
      concept,
      equivalence: value(params(m, 'equivalence')[0]) || value(params(m, 'relationship')[0]),
      qualifier: products.find((p) => p.coding && p.coding.system === QUALIFIER),
      products: products.filter((p) => !(p.coding && p.coding.system === QUALIFIER)),
      depends,
      sources,
      message: value(params(m, 'message')[0]),
    };
  });
}

function codingText(c) {
  if (!c || typeof c !== 'object') return String(c ?? '');
  return `${c.code}${c.display ? ` ${c.display}` : ''}`;
}

const ORDER = [ICF, SNOMED, FSIII, SERVICE];

// A table of matches, grouped by target system in the order ICF, SNOMED CT, FSIII, others.
export function matchTable(rows, reverse = false) {
  if (!rows.length) return h('p', { class: 'muted' }, t('translate.none'));
  const rank = (r) => { const i = ORDER.indexOf(r.concept && r.concept.system); return i < 0 ? 99 : i; };
  const sorted = [...rows].sort((a, b) => rank(a) - rank(b));
  return table([reverse ? t('translate.source') : t('translate.target'), t('translate.qualified'), t('translate.equivalence'),
    t('translate.condition'), t('translate.products'), t('translate.map')],
  sorted.map((r) => h('tr', { 'data-system': r.concept ? r.concept.system : '' },
    h('td', {}, codingCell(r.concept)),
    h('td', { class: 'code' }, r.qualifier && r.concept ? `${r.concept.code}.${r.qualifier.coding.code}` : '',
      r.qualifier ? h('span', { class: 'muted' }, ` ${r.qualifier.coding.display || ''}`) : ''),
    h('td', {}, r.equivalence || ''),
    h('td', {}, r.depends.map((d) => h('div', {}, `${systemName(d.system)} ${codingText(d)}`))),
    h('td', {}, r.products.map((p) => h('div', {}, codingCell(p.coding)))),
    h('td', { class: 'code' }, r.sources.join(' → '), r.message ? h('div', { class: 'muted' }, r.message) : ''))), { class: 'matches' });
}

export async function translateView(view) {
  view.append(h('h2', {}, t('translate.title')));
  const out = h('div', { 'aria-live': 'polite' });
  let variables = [];
  let scores = [];
  try {
    const [v, s] = await Promise.all([
      search('CodeSystem', { url: IPLOS, _summary: 'false', _count: '1' }),
      search('CodeSystem', { url: SCORE, _summary: 'false', _count: '1' })]);
    variables = (v[0] && v[0].concept) || [];
    scores = (s[0] && s[0].concept) || [];
  } catch (e) { view.append(errorBox(e)); }

  const mode = select([['iplos', t('translate.mode.iplos')], ['any', t('translate.mode.any')]]);
  const variable = select(variables.map((c) => [c.code, `${c.code} ${c.display}`]), { name: 'variable' });
  const score = select([['', t('translate.noScore')], ...scores.map((c) => [c.code, `${c.code} ${c.display}`])], { name: 'score' });
  const system = h('input', { type: 'url', name: 'system', value: ICF, size: '40' });
  const code = h('input', { type: 'text', name: 'code', size: '12' });
  const target = select([['', t('translate.allTargets')], [ICF, 'ICF'], [SNOMED, 'SNOMED CT'], [FSIII, 'FSIII'], [SERVICE, 'IPLOS 9151']], { name: 'target' });
  const version = select([['4', 'FHIR R4'], ['5', 'FHIR R5']], { name: 'fhirVersion' });
  const iplosFields = h('div', { class: 'row' }, field(t('translate.variable'), variable), field(t('translate.score'), score));
  const anyFields = h('div', { class: 'row', hidden: true }, field(t('translate.system'), system), field(t('translate.code'), code));
  const meaning = h('p', { class: 'muted', 'aria-live': 'polite' });
  const showMeaning = () => {
    const s = scores.find((c) => c.code === score.value);
    meaning.textContent = s ? `${s.code}: ${s.definition || s.display}` : '';
  };
  score.addEventListener('change', showMeaning);
  mode.addEventListener('change', () => {
    iplosFields.hidden = mode.value !== 'iplos';
    anyFields.hidden = mode.value === 'iplos';
  });
  const form = h('form', {}, h('div', { class: 'row' }, field(t('translate.mode'), mode)), iplosFields, meaning, anyFields,
    h('div', { class: 'row' }, field(t('translate.targetSystem'), target), field(t('translate.view'), version),
      h('button', { type: 'submit', class: 'primary' }, t('translate.go'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(out);
    const iplos = mode.value === 'iplos';
    const body = parameters([
      { name: 'system', valueUri: iplos ? IPLOS : system.value.trim() },
      { name: 'code', valueCode: iplos ? variable.value : code.value.trim() },
      target.value && { name: 'targetsystem', valueUri: target.value },
      iplos && score.value && { name: 'dependency', part: [{ name: 'element', valueUri: SCORE },
        { name: 'concept', valueCodeableConcept: { coding: [{ system: SCORE, code: score.value }] } }] },
    ]);
    try {
      const r4 = await post('/fhir/ConceptMap/$translate', body);
      const raw = version.value === '5'
        ? await post('/fhir/ConceptMap/$translate', body, { headers: { Accept: 'application/fhir+json; fhirVersion=5.0' } })
        : r4;
      const rows = matchRows(raw.json);
      out.replaceChildren(
        h('p', {}, value(params(raw.json, 'result')[0]) ? t('translate.result.true', rows.length) : t('translate.result.false')),
        value(params(raw.json, 'message')[0]) ? h('p', { class: 'muted' }, value(params(raw.json, 'message')[0])) : '',
        matchTable(rows),
        h('details', {}, h('summary', {}, t('translate.raw', version.value === '5' ? 'R5' : 'R4')), pre(raw.json)));
    } catch (e) { out.replaceChildren(errorBox(e)); }
  });
  view.append(form, out);
  showMeaning();
}
