// Alerts: every non-inactive alert instance with tier, state, value against threshold and the
// evidence of its firing.
import { api } from './api.js';
import { el, table } from './util.js';

export async function alerts(main, signal) {
  const box = el('div', { class: 'panel', id: 'alerts' }, el('h3', {}, 'Alerts'));
  main.replaceChildren(box);
  async function refresh() {
    const r = await api('/v1/alerts');
    const rows = r.alerts.map((a) => el('tr', { 'data-state': a.state },
      el('td', {}, el('span', { class: 'tag' }, a.tier)),
      el('td', { class: a.state === 'firing' ? 'bad' : '' }, a.state),
      el('td', {}, a.id),
      el('td', {}, `${Number(a.evidence.value).toPrecision(4)} ${a.evidence.threshold}`),
      el('td', {}, `${a.evidence.window}, ${a.evidence.samples} samples`),
      el('td', {}, (a.evidence.top_keys || []).slice(0, 2).map((k) => k.key).join('; ')),
      el('td', {}, a.fired_at || a.active_since || '')));
    box.replaceChildren(el('h3', {}, 'Alerts'), rows.length
      ? table(['tier', 'state', 'alert', 'value', 'window', 'top contributors', 'since'], rows)
      : el('p', {}, 'No pending or firing alerts.'));
  }
  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), 2000);
  signal.addEventListener('abort', () => clearInterval(timer));
}
