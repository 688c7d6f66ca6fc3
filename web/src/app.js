// Vigil dashboard: a token sign-in, then pages addressed by the URL hash.
import { api, ApiError, setToken, signOut, token } from './api.js';
import { el } from './util.js';
import { overview } from './overview.js';
import { incidents, postmortems } from './lists.js';
import { alerts } from './alerts.js';
import { incident } from './incident.js';
import { releases } from './releases.js';
import { postmortem } from './postmortem.js';
import { trace } from './trace.js';
import { drill, drills } from './drills.js';
import { events } from './events.js';

const PAGES = { overview, events, alerts, incidents, releases: (m, s) => releases(m, s, me),
  drills: (m, s) => drills(m, s, me), postmortems };
let me = null;
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let current = null;

function signIn(message) {
  nav.replaceChildren();
  who.textContent = '';
  const input = el('input', { id: 'token', type: 'password', placeholder: 'API token', autocomplete: 'off' });
  const error = el('div', { class: 'error', id: 'signin-error' }, message || '');
  const form = el('form', { class: 'signin card', id: 'signin' },
    el('h3', {}, 'Sign in with an API token'), input, error, el('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    try {
      await start();
    } catch (err) {
      signOut();
      signIn(err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : err.message);
    }
  });
  main.replaceChildren(form);
}

function show() {
  if (current) current.abort();
  current = new AbortController();
  const [name, arg] = (location.hash.slice(1) || 'overview').split('/');
  const details = {
    incident: (m, s) => incident(m, s, arg, me),
    postmortem: (m, s) => postmortem(m, s, arg),
    trace: (m, s) => trace(m, s, arg),
    drill: (m, s) => drill(m, s, arg),
  };
  const page = details[name] || PAGES[name] || overview;
  const section = name === 'incident' ? 'incidents' : name === 'postmortem' ? 'postmortems'
    : name === 'drill' ? 'drills' : name;
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === section);
  Promise.resolve(page(main, current.signal)).catch((e) => {
    main.replaceChildren(el('div', { class: 'error' }, e.message));
  });
}

async function start() {
  me = await api('/v1/whoami');
  who.replaceChildren(`${me.name} · ${me.roles.join(', ')} `,
    el('a', { href: '#', id: 'signout', onclick: (e) => { e.preventDefault(); signOut(); signIn(); } }, 'sign out'));
  nav.replaceChildren(...Object.keys(PAGES).map((p) => el('a', { href: `#${p}`, 'data-page': p }, p)));
  window.onhashchange = show;
  show();
}

if (token()) start().catch(() => { signOut(); signIn(); }); else signIn();
