// Events: the stored steps, newest first, filtered by use case, layer, failures and error class,
// each linking to its trace's waterfall; "older" pages through with the API's cursor.
import { api } from './api.js';
import { el, ms } from './util.js';

const RANGES = [['-15m', '15 min'], ['-1h', '1 h'], ['-24h', '24 h'], ['-7d', '7 d']];

export async function events(main, signal) {
  const ucs = (await api('/v1/use_cases?from=-24h')).use_cases.map((u) => u.name);
  const range = el('select', { id: 'events-range' }, RANGES.map(([v, l]) => el('option', { value: v }, l)));
  const useCase = el('select', { id: 'events-use-case' }, el('option', { value: '' }, 'all use cases'),
    ucs.map((u) => el('option', { value: u }, u)));
  const layer = el('select', { id: 'events-layer' }, el('option', { value: '' }, 'all layers'),
    ['task', 'inference', 'tool', 'business'].map((l) => el('option', { value: l }, l)));
  const failures = el('input', { type: 'checkbox', id: 'events-failures' });
  const errorClass = el('input', { id: 'events-error-class', placeholder: 'error class', size: 18 });
  const show = el('button', { id: 'events-show' }, 'Show');
  const more = el('button', { id: 'events-more', class: 'secondary' }, 'Older');
  const message = el('span', { id: 'events-message', class: 'muted' });
  const body = el('tbody');
  main.replaceChildren(
    el('div', { class: 'controls' }, 'Range', range, useCase, layer,
      el('label', {}, failures, ' failures only'), errorClass, show, message),
    el('div', { class: 'panel', id: 'events' },
      el('table', {}, el('thead', {}, el('tr', {}, ['time', 'use case', 'layer', 'model / tool', 'status', 'latency',
        'request', 'trace'].map((h) => el('th', {}, h)))), body), more));
  let cursor = null;

  async function load(append) {
    const q = new URLSearchParams({ from: range.value, to: 'now', limit: '50' });
    if (useCase.value) q.set('use_case', useCase.value);
    if (layer.value) q.set('layer', layer.value);
    if (failures.checked) q.set('status', 'error');
    if (errorClass.value.trim()) q.set('error_class', errorClass.value.trim());
    if (append && cursor) q.set('cursor', cursor);
    try {
      const r = await api(`/v1/events?${q}`);
      if (signal.aborted) return;
      const rows = r.events.map((e) => el('tr', { 'data-layer': e.layer, class: e.status === 'error' ? 'error' : '' },
        el('td', { class: 'nowrap' }, e.time), el('td', {}, e.use_case), el('td', {}, e.layer),
        el('td', {}, e.tool || e.model || e.metric || ''),
        el('td', {}, e.status === 'error' ? e.error_class : 'ok'), el('td', {}, e.layer === 'business' ? '' : ms(e.latency_ms)),
        el('td', {}, e.request_id || ''),
        el('td', {}, el('a', { href: `#trace/${e.trace_id}`, class: 'trace-link' }, e.trace_id.slice(0, 12)))));
      if (append) body.append(...rows); else body.replaceChildren(...rows);
      cursor = r.next_cursor;
      more.disabled = !cursor;
      message.className = 'muted';
      message.textContent = `${body.children.length} events${cursor ? ', more older' : ''}`;
    } catch (e) {
      message.className = 'error';
      message.textContent = e.message;
    }
  }
  show.addEventListener('click', () => load(false));
  more.addEventListener('click', () => load(true));
  await load(false);
}
