// Drills: the history with report cards (detect / switchback / recovery against their targets),
// a form to start one, and one drill followed live step by step until it ends.
import { api } from './api.js';
import { el, table } from './util.js';

const SCENARIOS = [
  ['tool-permission', 'tool permission failure → roll back'],
  ['malformed-output', 'malformed model output → roll back'],
  ['upstream-timeout', 'upstream model timeout → degraded mode'],
];

const secs = (s) => (s === null || s === undefined || s < 0 ? '–' : `${s.toFixed(1)} s`);

// The three clocks of a drill as small cards, green when met and red when missed or not reached.
export function reportCard(d) {
  return el('div', { class: 'clock-row', 'data-drill': d.id }, d.clocks.map((c) =>
    el('span', { class: `clock ${c.met ? 'good' : 'bad'}`, 'data-clock': c.name, 'data-met': String(c.met) },
      `${c.name} ${secs(c.elapsed_s)} / ${secs(c.target_s)}`)));
}

function statusTag(status) {
  return el('span', { class: `tag status-${status}`, 'data-status': status }, status);
}

export async function drills(main, signal, me) {
  const canAct = me.roles.includes('operate') || me.roles.includes('admin');
  const why = canAct ? '' : `token ${me.name} has no operate role`;
  const ucs = (await api('/v1/use_cases?from=-24h')).use_cases.map((u) => u.name);
  const scenario = el('select', { id: 'drill-scenario' }, SCENARIOS.map(([v, label]) => el('option', { value: v }, label)));
  const useCase = el('select', { id: 'drill-use-case' }, ucs.map((u) => el('option', { value: u }, u)));
  const restore = el('input', { type: 'checkbox', id: 'drill-restore', checked: true });
  const start = el('button', { id: 'drill-start', disabled: canAct ? null : true, title: why }, 'Start drill…');
  const list = el('div', { id: 'drills' });
  main.replaceChildren(
    el('div', { class: 'panel', id: 'drill-form' }, el('h3', {}, 'Start a drill'),
      el('p', { class: 'muted' }, 'Injects the fault into the live route, lets the alert rules and the action map respond, measures detection, switchback and recovery against the targets, then clears the fault.'),
      el('div', { class: 'controls' }, 'Scenario', scenario, 'Use case', useCase,
        el('label', {}, restore, ' restore the route afterwards'), start),
      canAct ? null : el('p', { class: 'muted' }, `Read-only: ${why}.`)),
    el('div', { class: 'panel' }, el('h3', {}, 'History'), list));

  // A confirmation naming what will happen, like the releases page's acts.
  start.addEventListener('click', () => {
    document.getElementById('drill-confirm')?.remove();
    const label = SCENARIOS.find(([v]) => v === scenario.value)[1];
    const box = el('div', { class: 'panel confirm', id: 'drill-confirm' },
      el('p', {}, `Inject ${label} into ${useCase.value}'s live route now? Real requests will fail until Vigil's remedy takes over; ` +
        (restore.checked ? 'afterwards the fault is cleared and the route restored as it is now.' : 'afterwards the fault is cleared and the remedied route is kept.')));
    const yes = el('button', { id: 'drill-confirm-yes' }, 'Start');
    const no = el('button', { class: 'secondary' }, 'Cancel');
    no.addEventListener('click', () => box.remove());
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        const d = await api('/v1/drills', { method: 'POST', body: { scenario: scenario.value, use_case: useCase.value, restore: restore.checked } });
        location.hash = `drill/${d.id}`;
      } catch (e) {
        box.replaceChildren(el('p', { class: 'error', id: 'drill-message' }, e.message));
      }
    });
    box.append(yes, ' ', no);
    document.getElementById('drill-form').append(box);
  });

  async function render() {
    const r = await api('/v1/drills?limit=50');
    list.replaceChildren(r.drills.length === 0 ? el('p', { class: 'muted' }, 'No drills yet.') :
      table(['drill', 'scenario', 'use case', 'status', 'report card', 'incident', 'started', 'by'], r.drills.map((d) =>
        el('tr', { 'data-id': d.id, 'data-status': d.status },
          el('td', {}, el('a', { href: `#drill/${d.id}` }, d.id)), el('td', {}, d.scenario), el('td', {}, d.use_case),
          el('td', {}, statusTag(d.status)), el('td', {}, reportCard(d)),
          el('td', {}, d.incident_id ? el('a', { href: `#incident/${d.incident_id}` }, `#${d.incident_id}`) : '–'),
          el('td', {}, d.started), el('td', {}, d.requested_by)))));
  }
  await render();
  const timer = setInterval(() => render().catch(() => {}), 3000);
  signal.addEventListener('abort', () => clearInterval(timer));
}

// One drill, polled every second while it runs: its steps as they complete, then the verdict.
export async function drill(main, signal, id) {
  const box = el('div', { id: 'drill' });
  main.replaceChildren(box);
  let timer = null;
  async function render() {
    const d = await api(`/v1/drills/${encodeURIComponent(id)}`);
    box.dataset.status = d.status;
    box.replaceChildren(
      el('h2', {}, `Drill ${d.id}: ${d.scenario} on ${d.use_case} `, statusTag(d.status)),
      el('div', { class: 'panel' },
        el('p', { id: 'drill-verdict' }, d.message || 'running…'),
        el('p', {}, `expected remedy: ${d.expected_remedy || '–'} · seen: ${d.remedy_seen || '–'} · detected by: ${d.detected_by || '–'}`),
        reportCard(d),
        el('p', { class: 'muted' }, `first incident update ${secs(d.first_update_s)} after injection`),
        d.incident_id ? el('p', {}, 'Incident: ', el('a', { href: `#incident/${d.incident_id}`, id: 'drill-incident' }, `#${d.incident_id}`)) : null),
      el('div', { class: 'panel', id: 'drill-steps' }, el('h3', {}, 'Steps'),
        table(['step', 'result', 'took', 'detail'], d.steps.map((s) =>
          el('tr', { 'data-step': s.name, 'data-ok': String(s.ok), class: s.finished ? '' : 'running' },
            el('td', {}, s.name), el('td', {}, s.finished ? (s.ok ? 'ok' : 'failed') : 'running…'),
            el('td', {}, secs(s.elapsed_s)), el('td', {}, s.detail))))));
    if (d.status !== 'running') clearInterval(timer);
  }
  await render();
  timer = setInterval(() => render().catch(() => {}), 1000);
  signal.addEventListener('abort', () => clearInterval(timer));
}
