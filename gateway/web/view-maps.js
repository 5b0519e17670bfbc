// view-maps.js — a ConceptMap's rows (source, target, equivalence, dependency, reason) with filters;
// with a maintainer's token a draft's rows are edited or added and saved (If-Match), the server's
// validation errors shown next to the field they name; a new draft version; the diff between two
// versions; publish with a reason and roll back (publisher). What the token's role may not do is not
// offered.
import { t } from './i18n.js';
import { get, request, post, search, params, value, may } from './api.js';
import { h, field, select, table, errorBox, busy, systemName } from './ui.js';

const EQUIVALENCES = ['relatedto', 'equivalent', 'equal', 'wider', 'subsumes', 'narrower', 'specializes',
  'inexact', 'unmatched', 'disjoint'];

function go(query) { location.hash = `#/maps?${new URLSearchParams(query)}`; }

export async function mapsView(view, q) {
  view.append(h('h2', {}, t('maps.title')));
  const body = h('div');
  view.append(body);
  busy(body);
  let maps;
  try { maps = await search('ConceptMap', { _summary: 'true', _count: '500', _sort: 'url' }); } catch (e) { body.replaceChildren(errorBox(e)); return; }
  const urls = [...new Set(maps.map((m) => m.url))];
  const url = q.get('url') || urls[0];
  const versions = maps.filter((m) => m.url === url);
  const id = q.get('id') || (versions.find((m) => m.status === 'active') || versions[versions.length - 1] || {}).id;
  const urlSel = select(urls.map((u) => [u, (maps.find((m) => m.url === u) || {}).title || u]), { name: 'map' });
  urlSel.value = url;
  urlSel.addEventListener('change', () => go({ url: urlSel.value }));
  const verSel = select(versions.map((m) => [m.id, `${m.version} (${t(`status.${m.status}`)})`]), { name: 'version' });
  verSel.value = id;
  verSel.addEventListener('change', () => go({ url, id: verSel.value }));
  body.replaceChildren(h('div', { class: 'row' }, field(t('maps.map'), urlSel), field(t('maps.version'), verSel)));
  if (!id) return;

  let cm;
  let etag;
  try {
    const r = await get(`/fhir/ConceptMap/${encodeURIComponent(id)}`);
    cm = r.json;
    etag = r.headers.get('ETag');
  } catch (e) { body.append(errorBox(e)); return; }
  const editable = cm.status === 'draft' && may('maintainer');
  body.append(h('p', { class: 'muted' }, `${cm.title || cm.name} — ${cm.url}|${cm.version}, ${t(`status.${cm.status}`)}`,
    cm.meta ? `, ${t('maps.versionId', cm.meta.versionId)}` : ''),
  !may('maintainer') ? h('p', { class: 'muted' }, t('maps.needToken')) : '');

  // Filters.
  const fSource = h('input', { type: 'search', name: 'fsource' });
  const fTarget = h('input', { type: 'search', name: 'ftarget' });
  const fEq = select([['', t('maps.any')], ...EQUIVALENCES.map((e) => [e, e])], { name: 'fequivalence' });
  const rowsBox = h('div');
  const saveBox = h('div', { 'aria-live': 'polite' });
  body.append(h('form', { class: 'inline', role: 'search', onsubmit: (ev) => ev.preventDefault() },
    field(t('maps.filterSource'), fSource), field(t('maps.filterTarget'), fTarget), field(t('maps.filterEq'), fEq)), rowsBox);

  const path = (g, e, k, leaf) => `ConceptMap.group[${g}].element[${e}].target[${k}].${leaf}`;
  const render = () => {
    const rows = [];
    (cm.group || []).forEach((grp, g) => (grp.element || []).forEach((el, e) => (el.target || []).forEach((tg, k) => {
      const srcText = `${el.code} ${el.display || ''}`.toLowerCase();
      const tgtText = `${tg.code || ''} ${tg.display || ''}`.toLowerCase();
      if (fSource.value && !srcText.includes(fSource.value.toLowerCase())) return;
      if (fTarget.value && !tgtText.includes(fTarget.value.toLowerCase())) return;
      if (fEq.value && tg.equivalence !== fEq.value) return;
      const label = `${el.code} → ${tg.code || ''}`;
      const cell = (leaf, control) => h('td', {}, control, h('span', { class: 'field-error', id: `err-${path(g, e, k, leaf)}` }));
      const bind = (control, leaf, after) => {
        control.dataset.path = path(g, e, k, leaf);
        control.setAttribute('aria-describedby', `err-${path(g, e, k, leaf)}`);
        control.addEventListener('change', () => { tg[leaf] = control.value; if (after) after(); });
        return control;
      };
      const dep = (tg.dependsOn || []).map((d) => `${systemName(d.system || d.property)} ${d.value || d.code || ''}`).join(', ');
      rows.push(h('tr', { 'data-source': el.code, 'data-target': tg.code || '' },
        h('td', {}, h('span', { class: 'code' }, el.code), ` ${el.display || ''}`, h('div', { class: 'muted' }, systemName(grp.source))),
        editable
          ? cell('code', bind(h('input', { type: 'text', value: tg.code || '', size: '10', 'aria-label': t('maps.targetCodeOf', label) }), 'code', () => { delete tg.display; }))
          : h('td', {}, h('span', { class: 'code' }, tg.code || ''), ` ${tg.display || ''}`),
        editable
          ? cell('equivalence', bind((() => { const s = select(EQUIVALENCES.map((x) => [x, x]), { 'aria-label': t('maps.equivalenceOf', label) }); s.value = tg.equivalence; return s; })(), 'equivalence'))
          : h('td', {}, tg.equivalence || ''),
        h('td', {}, dep),
        editable
          ? cell('comment', bind(h('textarea', { rows: '2', cols: '40', 'aria-label': t('maps.commentOf', label) }, tg.comment || ''), 'comment'))
          : h('td', {}, tg.comment || '')));
    })));
    rowsBox.replaceChildren(table([t('maps.source'), t('maps.target'), t('maps.equivalence'), t('maps.dependency'), t('maps.reason')], rows, { class: 'rows' }),
      h('p', { class: 'muted' }, t('maps.count', rows.length)));
  };
  for (const f of [fSource, fTarget, fEq]) f.addEventListener('input', render);
  render();

  if (editable) {
    // Adding a row to a group: source code (an existing element or a new one), target, equivalence, reason.
    const gSel = select((cm.group || []).map((g, i) => [String(i), `${systemName(g.source)} → ${systemName(g.target)}`]));
    const aSource = h('input', { type: 'text', size: '8', required: true });
    const aTarget = h('input', { type: 'text', size: '10', required: true });
    const aEq = select(EQUIVALENCES.map((x) => [x, x]));
    aEq.value = 'equivalent';
    const aComment = h('input', { type: 'text', size: '40' });
    const addForm = h('form', { class: 'inline' }, field(t('maps.group'), gSel), field(t('maps.source'), aSource),
      field(t('maps.target'), aTarget), field(t('maps.equivalence'), aEq), field(t('maps.reason'), aComment),
      h('button', { type: 'submit' }, t('maps.add')));
    addForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const grp = cm.group[Number(gSel.value)];
      let el = grp.element.find((x) => x.code === aSource.value.trim());
      if (!el) { el = { code: aSource.value.trim(), target: [] }; grp.element.push(el); }
      el.target = el.target || [];
      el.target.push({ code: aTarget.value.trim(), equivalence: aEq.value, ...(aComment.value ? { comment: aComment.value } : {}) });
      addForm.reset();
      render();
      saveBox.replaceChildren(h('p', { class: 'muted' }, t('maps.unsaved')));
    });
    const save = h('button', { type: 'button', class: 'primary' }, t('maps.save'));
    save.addEventListener('click', async () => {
      for (const el of rowsBox.querySelectorAll('.field-error')) el.textContent = '';
      for (const el of rowsBox.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
      const doc = { ...cm };
      delete doc.meta;
      try {
        const r = await request('PUT', `/fhir/ConceptMap/${encodeURIComponent(cm.id)}`, { body: doc, headers: etag ? { 'If-Match': etag } : {} });
        etag = r.headers.get('ETag');
        cm = r.json;
        render();
        saveBox.replaceChildren(h('p', { class: 'ok', role: 'status' }, t('maps.saved', cm.meta ? cm.meta.versionId : '')));
      } catch (e) {
        const loose = [];
        for (const issue of e.issues || []) {
          const where = (issue.expression || [])[0];
          const slot = where && document.getElementById(`err-${where}`);
          const text = (issue.details && issue.details.text) || issue.diagnostics || '';
          if (slot) {
            slot.textContent = text;
            const control = rowsBox.querySelector(`[data-path="${CSS.escape(where)}"]`);
            if (control) { control.setAttribute('aria-invalid', 'true'); control.focus(); }
          } else loose.push(`${where ? `${where}: ` : ''}${text}`);
        }
        saveBox.replaceChildren(h('div', { class: 'error', role: 'alert' }, t('maps.notSaved', e.status),
          loose.length ? h('ul', {}, loose.map((x) => h('li', {}, x))) : ''));
        if (!(e.issues || []).length) saveBox.append(errorBox(e));
      }
    });
    body.append(h('h3', {}, t('maps.addRow')), addForm, h('div', { class: 'row' }, save), saveBox);
  }

  if (may('maintainer')) {
    const newVer = h('input', { type: 'text', size: '10', required: true, name: 'newVersion' });
    const form = h('form', { class: 'inline' }, field(t('maps.newVersion'), newVer, t('maps.newVersionHint', cm.version)),
      h('button', { type: 'submit' }, t('maps.newDraft')));
    const msg = h('div', { 'aria-live': 'polite' });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const ver = newVer.value.trim();
      const newId = `${cm.url.split('/').pop()}-${ver}`.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64);
      const doc = { ...cm, id: newId, version: ver, status: 'draft' };
      delete doc.meta;
      try {
        // If-None-Match: * creates only: a colleague's draft of that id is never overwritten (412).
        await request('PUT', `/fhir/ConceptMap/${encodeURIComponent(newId)}`, { body: doc, headers: { 'If-None-Match': '*' } });
        go({ url: cm.url, id: newId });
      } catch (e) { msg.replaceChildren(errorBox(e)); }
    });
    body.append(h('h3', {}, t('maps.newDraftTitle')), form, msg);
  }

  // Diff between two versions.
  const from = select(versions.map((m) => [m.version, m.version]), { name: 'from' });
  const to = select(versions.map((m) => [m.version, m.version]), { name: 'to' });
  from.value = (versions.find((m) => m.status === 'active') || versions[0] || {}).version;
  to.value = cm.version;
  const diffBox = h('div', { 'aria-live': 'polite' });
  const diffForm = h('form', { class: 'inline' }, field(t('maps.from'), from), field(t('maps.to'), to),
    h('button', { type: 'submit' }, t('maps.showDiff')));
  diffForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(diffBox);
    try {
      const r = await get('/fhir/ConceptMap/$diff', { url: cm.url, from: from.value, to: to.value });
      diffBox.replaceChildren(diffTable(r.json, from.value, to.value));
    } catch (e) { diffBox.replaceChildren(errorBox(e)); }
  });
  body.append(h('h3', {}, t('maps.diff')), diffForm, diffBox);

  if (may('publisher')) {
    const pubBox = h('div', { 'aria-live': 'polite' });
    if (cm.status === 'draft') {
      const reason = h('input', { type: 'text', size: '40', required: true, name: 'reason' });
      const pub = h('form', { class: 'inline' }, field(t('maps.reasonPublish'), reason), h('button', { type: 'submit', class: 'primary' }, t('maps.publish')));
      pub.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await post(`/fhir/ConceptMap/${encodeURIComponent(cm.id)}/$publish`, undefined, { query: { reason: reason.value } });
          go({ url: cm.url, id: cm.id, published: '1' });
        } catch (e) { pubBox.replaceChildren(errorBox(e)); }
      });
      body.append(h('h3', {}, t('maps.publishTitle')), pub, pubBox);
    }
    const retired = versions.filter((m) => m.status === 'retired');
    if (retired.length) {
      const rv = select(retired.map((m) => [m.version, m.version]), { name: 'rollbackVersion' });
      const rr = h('input', { type: 'text', size: '40', required: true, name: 'rollbackReason' });
      const rb = h('form', { class: 'inline' }, field(t('maps.rollbackTo'), rv), field(t('maps.reasonRollback'), rr),
        h('button', { type: 'submit' }, t('maps.rollback')));
      rb.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await post('/fhir/ConceptMap/$rollback', undefined, { query: { url: cm.url, version: rv.value, reason: rr.value } });
          go({ url: cm.url });
        } catch (e) { pubBox.replaceChildren(errorBox(e)); }
      });
      body.append(h('h3', {}, t('maps.rollbackTitle')), rb, pubBox);
    }
  }
  if (q.get('published')) body.prepend(h('p', { class: 'ok', role: 'status' }, t('maps.published', cm.version)));
}

// The $diff answer side by side: each row (source → target) with what it is in the "from" version
// and in the "to" version; an added row has nothing on the left, a removed one nothing on the right,
// a changed one its before and after of each field that changed.
function diffTable(p, fromVersion, toVersion) {
  const text = (v) => (v && typeof v === 'object' ? `${v.code}${v.display ? ` ${v.display}` : ''}` : String(v ?? ''));
  const rows = [];
  for (const kind of ['added', 'removed', 'changed']) {
    for (const row of params(p, kind)) {
      const parts = row.part || [];
      const key = ['source', 'target'].map((n) => text(value(parts.find((x) => x.name === n)))).join(' → ');
      const fields = parts.filter((x) => x.name !== 'source' && x.name !== 'target');
      const side = (which) => fields.map((x) => {
        if (x.part) {
          const v = value(x.part.find((y) => y.name === which));
          return v === undefined ? null : h('div', {}, `${x.name}: ${text(v)}`);
        }
        return (kind === 'added') === (which === 'after') ? h('div', {}, `${x.name}: ${text(value(x))}`) : null;
      });
      rows.push(h('tr', { class: `diff-${kind}` }, h('td', {}, t(`maps.${kind}`)), h('td', { class: 'code' }, key),
        h('td', {}, side('before')), h('td', {}, side('after'))));
    }
  }
  const counts = ['addedCount', 'removedCount', 'changedCount'].map((n) => value(params(p, n)[0]) ?? 0);
  return h('div', {}, h('p', {}, t('maps.diffCounts', ...counts)),
    rows.length ? table([t('maps.change'), t('maps.row'), fromVersion, toVersion], rows, { class: 'diff' })
      : h('p', { class: 'muted' }, t('maps.noDiff')));
}
