// view-messages.js — the outbox and the inbox (/messages): status, attempts and last error; one
// message's content, and for an inbound one its function data as coded Observations; retry of a dead
// or rejected message (offered to a maintainer).
import { t } from './i18n.js';
import { get, post, request, may } from './api.js';
import { h, field, select, table, errorBox, busy, codingCell, pre } from './ui.js';

const STATUSES = ['', 'queued', 'sending', 'delivered', 'rejected', 'dead', 'received', 'processed', 'failed'];

export async function messagesView(view, q) {
  view.append(h('h2', {}, t('msg.title')));
  if (!may('reader')) { view.append(h('p', {}, t('msg.needToken'))); return; }
  const direction = q.get('direction') || 'out';
  const dirSel = select([['out', t('msg.outbox')], ['in', t('msg.inbox')]], { name: 'direction' });
  dirSel.value = direction;
  const status = select(STATUSES.map((s) => [s, s ? t(`msg.status.${s}`) : t('maps.any')]), { name: 'status' });
  status.value = q.get('status') || '';
  const form = h('form', { class: 'inline' }, field(t('msg.direction'), dirSel), field(t('msg.statusLabel'), status),
    h('button', { type: 'submit' }, t('msg.show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/messages?${new URLSearchParams({ direction: dirSel.value, ...(status.value ? { status: status.value } : {}) })}`;
  });
  const list = h('div');
  const detail = h('div', { 'aria-live': 'polite' });
  view.append(form, list, detail);
  busy(list);
  try {
    const r = await get('/messages', { direction, status: status.value, _count: '100' }, { headers: { Accept: 'application/json' } });
    const msgs = r.json.messages || [];
    list.replaceChildren(h('p', {}, t('msg.total', r.json.total ?? msgs.length)),
      table([t('msg.id'), direction === 'out' ? t('msg.receiver') : t('msg.sender'), t('msg.event'), t('msg.statusLabel'),
        t('msg.attempts'), t('msg.lastError'), t('msg.updated')], msgs.map((m) => h('tr', {},
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => show(detail, m) }, m.id)),
        h('td', {}, (m.receiver && (m.receiver.name || m.receiver.id)) || (m.sender && (m.sender.name || m.sender.her_id)) || ''),
        h('td', {}, m.event || ''), h('td', {}, t(`msg.status.${m.status}`)), h('td', {}, String(m.attempts ?? '')),
        h('td', {}, m.last_error || ''), h('td', {}, m.updated || '')))));
  } catch (e) { list.replaceChildren(errorBox(e)); }
}

async function show(box, m) {
  busy(box);
  const id = encodeURIComponent(m.id);
  const dir = { direction: m.direction };
  try {
    const [info, content] = await Promise.all([
      get(`/messages/${id}`, dir, { headers: { Accept: 'application/json' } }),
      request('GET', `/messages/${id}/content`, { query: dir, raw: true, headers: { Accept: '*/*' } }).catch((e) => e)]);
    const parts = [h('h3', {}, t('msg.message', m.id)), pre(info.json)];
    if (may('maintainer') && (m.status === 'dead' || m.status === 'rejected') && m.direction === 'out') {
      const retry = h('button', { type: 'button', class: 'primary' }, t('msg.retry'));
      const out = h('span', { 'aria-live': 'polite' });
      retry.addEventListener('click', async () => {
        try {
          await post(`/messages/${id}/retry`, undefined, { headers: { Accept: 'application/json' } });
          out.replaceChildren(h('span', { class: 'ok' }, t('msg.retried')));
        } catch (e) { out.replaceChildren(errorBox(e)); }
      });
      parts.push(h('div', { class: 'row' }, retry, out));
    }
    parts.push(h('h4', {}, t('msg.content')), content instanceof Error ? errorBox(content) : pre(content.text));
    if (m.direction === 'in' && m.status === 'processed') {
      try {
        const obs = await get(`/messages/${id}/observations`, dir);
        const res = (obs.json.entry || []).map((e) => e.resource).filter((r) => r.resourceType === 'Observation');
        parts.push(h('h4', {}, t('msg.observations')), table([t('assess.variable'), t('assess.codes'), t('assess.value')],
          res.map((o) => h('tr', {}, h('td', {}, o.code.text || ''), h('td', {}, (o.code.coding || []).map((c) => h('div', {}, codingCell(c)))),
            h('td', {}, (o.valueCodeableConcept && (o.valueCodeableConcept.text || o.valueCodeableConcept.coding.map((c) => c.code).join(' '))) || String(o.valueInteger ?? ''))))));
      } catch (e) { parts.push(errorBox(e)); }
    }
    box.replaceChildren(...parts);
    box.focus();
  } catch (e) { box.replaceChildren(errorBox(e)); }
}
