// app.js — the page's shell: language, token, and which view the address (#/...) shows.
import { t, setLang, lang, translateStatic } from './i18n.js';
import { useToken, forgetToken, role, token, init } from './api.js';
import { h } from './ui.js';
import { codeSystems, concept } from './view-codesystems.js';
import { translateView } from './view-translate.js';
import { assessView } from './view-assess.js';
import { mapsView } from './view-maps.js';
import { messagesView } from './view-messages.js';

const VIEWS = {
  codesystems: codeSystems, concept, translate: translateView, assess: assessView, maps: mapsView,
  messages: messagesView,
};

const view = document.getElementById('view');

function route() {
  const [name, query] = (location.hash.replace(/^#\/?/, '') || 'codesystems').split('?');
  const fn = VIEWS[name] || codeSystems;
  for (const a of document.querySelectorAll('nav a')) {
    const current = a.getAttribute('href') === `#/${name}` || (name === 'concept' && a.getAttribute('href') === '#/codesystems');
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  view.replaceChildren();
  fn(view, new URLSearchParams(query || ''));
}

function showRole() {
  document.getElementById('role').textContent = token() ? t('role.is', t(`role.${role()}`)) : t('role.none');
}

async function start() {
  await init();
  const langSelect = document.getElementById('lang');
  langSelect.value = lang();
  setLang(lang());
  translateStatic();
  langSelect.addEventListener('change', () => {
    setLang(langSelect.value);
    translateStatic();
    showRole();
    route();
  });
  const form = document.getElementById('token-form');
  const input = document.getElementById('token');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = document.getElementById('role');
    out.textContent = t('loading');
    try {
      await useToken(input.value.trim());
      input.value = '';
      showRole();
    } catch (e) {
      out.replaceChildren(h('span', { class: 'error' }, t('token.bad', e.message)));
    }
    route();
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    forgetToken();
    showRole();
    route();
  });
  showRole();
  window.addEventListener('hashchange', () => { route(); view.focus(); });
  route();
}

start();
