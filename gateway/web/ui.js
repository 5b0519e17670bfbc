// ui.js — building the page's elements (never through innerHTML: what the server says is text).
import { t } from './i18n.js';
import { ICF, SNOMED, FSIII, IPLOS, SERVICE, SCORE, QUALIFIER } from './api.js';

// h('tag', {attr: value, onclick: fn}, child...) — children are nodes, strings or arrays of them.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let uid = 0;
// A labelled control: the label names it, and `hint` (a describedby text) says more.
export function field(label, control, hint) {
  const id = control.id || `f${++uid}`;
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    parts.push(h('span', { id: hid, class: 'muted' }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

export function select(options, attrs = {}) {
  return h('select', attrs, options.map(([v, label]) => h('option', { value: v }, label)));
}

export function table(head, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' }, h('table', attrs,
    h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows)));
}

// A message for a failed request: the server's own words (its OperationOutcome).
export function errorBox(e) {
  return h('div', { class: 'error', role: 'alert' }, `${t('error')}: ${e.message}`);
}

export function busy(target) {
  target.replaceChildren(h('p', { class: 'muted' }, t('loading')));
}

const SYSTEM_NAMES = {
  [ICF]: 'ICF', [SNOMED]: 'SNOMED CT', [FSIII]: 'FSIII', [IPLOS]: 'IPLOS 9111', [SERVICE]: 'IPLOS 9151',
};
// SCORE and QUALIFIER are on the server's canonical base, known once api.js's init() ran.
export function systemName(system) {
  if (system && system === SCORE) return 'IPLOS score';
  if (system && system === QUALIFIER) return 'ICF qualifier';
  return SYSTEM_NAMES[system] || system || '';
}

// A link to the concept page of system|code.
export function conceptLink(system, code, display) {
  const href = `#/concept?${new URLSearchParams({ system, code })}`;
  return h('span', {}, h('a', { href, class: 'code' }, code), display ? ` ${display}` : '');
}

export function codingCell(c) {
  if (!c) return '';
  return h('span', {}, h('span', { class: 'muted' }, `${systemName(c.system)} `), conceptLink(c.system, c.code, c.display));
}

export function pre(obj) {
  return h('pre', { tabindex: '0' }, typeof obj === 'string' ? obj : JSON.stringify(obj, null, 2));
}
