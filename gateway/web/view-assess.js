// view-assess.js — the 20 IPLOS variables as a form (scores 1-5 and 9 with their official meaning),
// sent to $assess; the answer's Observations, Conditions and proposed CarePlan, with minutes per
// week, the allocation rule behind each activity (criteria) and the case-mix hours.
import { t } from './i18n.js';
import { post, search, parameters, base, IPLOS, SCORE } from './api.js';
import { h, field, select, table, errorBox, busy, codingCell, pre } from './ui.js';

// The server's own extensions are on its canonical base (api.js init()).
const EXT = () => `${base()}/StructureDefinition/`;

const ext = (r, name) => (r.extension || []).filter((e) => e.url === EXT() + name);
const part = (e, name) => (e.extension || []).filter((x) => x.url === name);
const val = (x) => x && (x.valueString ?? x.valueCanonical ?? x.valueBoolean ?? x.valueQuantity ?? x.valueInteger);
const quantity = (q) => (q ? `${q.value} ${q.unit || q.code || ''}` : '');

function timing(rep) {
  if (!rep) return '';
  const r = rep.repeat || {};
  const parts = [];
  if (r.frequency) parts.push(t('assess.timing', r.frequency, r.period || 1, t(`unit.${r.periodUnit}`)));
  if (r.duration) parts.push(t('assess.duration', r.duration));
  return parts.join(', ');
}

function rule(e) {
  const items = [['assess.rule', 'rule'], ['assess.ruleSource', 'source'], ['assess.conditionMet', 'condition'],
    ['assess.requires', 'requires'], ['assess.confirm', 'confirm'], ['assess.reading', 'reading'],
    ['assess.hours', 'hours-per-week'], ['assess.criteria', 'criteria']];
  return h('dl', { class: 'kv allocation-rule' }, items.flatMap(([label, name]) => {
    const vs = part(e, name).map(val);
    return vs.length ? [h('dt', {}, t(label)), h('dd', {}, vs.map((v) => h('div', {}, typeof v === 'object' ? quantity(v) : v)))] : [];
  }));
}

function carePlan(cp) {
  const minutes = ext(cp, 'estimated-minutes-per-week')[0];
  const casemix = ext(cp, 'casemix')[0];
  return h('section', { class: 'careplan', 'aria-labelledby': 'careplan-h' },
    h('h3', { id: 'careplan-h' }, t('assess.careplan'), ` (${cp.status}, ${cp.intent})`),
    h('p', {}, cp.title || ''), h('p', { class: 'muted' }, cp.description || ''),
    minutes ? h('p', { class: 'minutes' }, h('strong', {}, t('assess.minutes')), ` ${quantity(minutes.valueQuantity)}`) : '',
    casemix ? h('div', { class: 'casemix' }, h('h4', {}, t('assess.casemix')), h('dl', { class: 'kv' },
      part(casemix, 'table').flatMap((x) => [h('dt', {}, t('assess.table')), h('dd', {}, val(x))]),
      part(casemix, 'group').flatMap((x) => [h('dt', {}, t('assess.group')), h('dd', {}, val(x))]),
      part(casemix, 'dimension').flatMap((x) => [h('dt', {}, t('assess.dimension')), h('dd', {}, val(x))]),
      part(casemix, 'hours-per-week').flatMap((x) => [h('dt', {}, t('assess.hours')), h('dd', {}, quantity(x.valueQuantity))]),
      part(casemix, 'adjustment').flatMap((x) => [h('dt', {}, t('assess.adjustment')), h('dd', {}, val(x))]))) : '',
    table([t('assess.activity'), t('assess.codes'), t('assess.schedule'), t('assess.why')],
      (cp.activity || []).map((a) => {
        const d = a.detail || {};
        const rules = ext(a, 'allocation-rule');
        return h('tr', {}, h('td', {}, (d.code && d.code.text) || ''),
          h('td', {}, ((d.code && d.code.coding) || []).map((c) => h('div', {}, codingCell(c)))),
          h('td', {}, timing(d.scheduledTiming)),
          h('td', {}, rules.length ? rules.map(rule) : h('span', { class: 'muted' }, d.description || '')));
      }), { class: 'activities' }),
    h('h4', {}, t('assess.notes')), h('ul', {}, (cp.note || []).map((n) => h('li', {}, n.text))));
}

export async function assessView(view) {
  view.append(h('h2', {}, t('assess.title')), h('p', { class: 'muted' }, t('assess.intro')));
  const out = h('div', { 'aria-live': 'polite' });
  let variables = [];
  let scores = [];
  let libraries = [];
  try {
    const [v, s, l] = await Promise.all([
      search('CodeSystem', { url: IPLOS, _summary: 'false', _count: '1' }),
      search('CodeSystem', { url: SCORE, _summary: 'false', _count: '1' }),
      search('Library', { _summary: 'true', _count: '200' })]);
    variables = (v[0] && v[0].concept) || [];
    scores = (s[0] && s[0].concept) || [];
    libraries = l;
  } catch (e) { view.append(errorBox(e)); return; }

  const legend = h('details', { open: true }, h('summary', {}, t('assess.meanings')),
    h('dl', { class: 'kv scores' }, scores.flatMap((c) => [h('dt', {}, c.code), h('dd', {}, `${c.display}: ${c.definition || ''}`)])));
  const selects = variables.map((c) => {
    const s = select([['', t('assess.notAssessed')], ...scores.map((x) => [x.code, `${x.code} – ${x.display}`])],
      { name: `v${c.code}`, 'data-variable': c.code });
    return field(`${c.code} ${c.display}`, s);
  });
  const isCasemix = (lib) => /casemix/i.test(lib.url);
  const criteria = select([['', t('assess.noCriteria')], ...libraries.filter((x) => !isCasemix(x))
    .map((x) => [`${x.url}|${x.version}`, x.title || x.name || x.url])], { name: 'criteria' });
  const casemix = select([['', t('assess.noCasemix')], ...libraries.filter(isCasemix)
    .map((x) => [`${x.url}|${x.version}`, x.title || x.name || x.url])], { name: 'casemix' });
  const alone = h('input', { type: 'checkbox', name: 'livingAlone' });
  const form = h('form', {}, legend, h('fieldset', {}, h('legend', {}, t('assess.variables')), h('div', { class: 'assess-grid' }, selects)),
    h('div', { class: 'row' }, field(t('assess.criteriaLabel'), criteria), field(t('assess.casemixLabel'), casemix),
      h('div', { class: 'field' }, h('label', {}, alone, ` ${t('assess.livingAlone')}`))),
    h('button', { type: 'submit', class: 'primary' }, t('assess.go')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(out);
    const items = [...form.querySelectorAll('select[data-variable]')].filter((s) => s.value).map((s) => ({
      name: 'item', part: [{ name: 'variable', valueCoding: { system: IPLOS, code: s.dataset.variable } },
        { name: 'score', valueInteger: Number(s.value) }],
    }));
    const body = parameters([...items,
      criteria.value && { name: 'criteria', valueCanonical: criteria.value },
      casemix.value && { name: 'casemix', valueCanonical: casemix.value },
      casemix.value && { name: 'livingAlone', valueBoolean: alone.checked }]);
    try {
      const r = await post('/fhir/$assess', body);
      const res = (r.json.entry || []).map((e) => e.resource);
      const of = (type) => res.filter((x) => x.resourceType === type);
      const issues = of('OperationOutcome').flatMap((oo) => (oo.issue || []).map((i) => h('p', { class: 'warning' }, (i.details && i.details.text) || i.diagnostics)));
      out.replaceChildren(
        issues.length > 3 ? h('details', {}, h('summary', {}, t('assess.issues', issues.length)), issues) : h('div', {}, issues),
        h('h3', {}, t('assess.observations')),
        table([t('assess.variable'), t('assess.codes'), t('assess.value')], of('Observation').map((o) => h('tr', {},
          h('td', {}, o.code.text), h('td', {}, (o.code.coding || []).map((c) => h('div', {}, codingCell(c)))),
          h('td', {}, (o.valueCodeableConcept && o.valueCodeableConcept.text) || '')))),
        h('h3', {}, t('assess.conditions')),
        table([t('assess.condition'), t('assess.codes'), t('assess.severity'), t('assess.verification')], of('Condition').map((c) => h('tr', {},
          h('td', {}, c.code.text), h('td', {}, (c.code.coding || []).map((x) => h('div', {}, codingCell(x)))),
          h('td', {}, c.severity ? c.severity.coding.map((x) => `${x.code} (${x.display})`).join(', ') : ''),
          h('td', {}, c.verificationStatus ? c.verificationStatus.coding[0].code : '')))),
        ...of('CarePlan').map(carePlan),
        h('details', {}, h('summary', {}, t('assess.raw')), pre(r.json)));
    } catch (e) { out.replaceChildren(errorBox(e)); }
  });
  view.append(form, out);
}
