// One incident: SLO clocks against targets, diagnosis, similar past incidents, runbook steps with
// check-off, the timeline, and a form to post an update. Acts need the operate role; without it
// the controls are disabled and say why.
import { api } from './api.js';
import { el, table } from './util.js';

const clockName = { switchback: 'switchback', first_update: 'first update', recovery: 'core path recovery' };

export async function incident(main, signal, id, me) {
  const canAct = me.roles.includes('operate') || me.roles.includes('admin');
  const why = canAct ? null : `token ${me.name} has no operate role`;
  async function render() {
    const i = await api(`/v1/incidents/${id}`);
    const clocks = el('div', { class: 'cards', id: 'clocks' }, i.clocks.map((c) =>
      el('div', { class: 'card', 'data-clock': c.name },
        el('h3', {}, clockName[c.name] || c.name),
        el('div', { class: `big ${c.met ? 'good' : 'bad'}` }, `${c.elapsed_s.toFixed(1)} s`),
        el('div', { class: 'row' }, el('span', {}, 'target'), el('span', {}, c.target)),
        el('div', { class: 'row' }, el('span', {}, c.stopped ? 'stopped' : 'running'),
           el('span', {}, c.met ? 'met' : 'missed')))));
    const since = new Date(Date.parse(i.opened_at) - 600000).toISOString();
    const failures = (await api(`/v1/events?use_case=${encodeURIComponent(i.use_case)}&layer=task&from=${since}&limit=200`))
      .events.filter((e) => e.status === 'error').slice(0, 10);
    const similar = i.timeline.filter((e) => e.kind === 'similar_incidents')
      .flatMap((e) => (e.detail.similar || []).map((s) => el('li', {},
        `postmortem ${s.postmortem_id} (incident ${s.incident_id}): ${s.title}`,
        (s.prevention_rules || []).length ? ` — prevention: ${s.prevention_rules.join('; ')}` : '')));
    const steps = (i.runbook || []).map((s) => {
      const button = el('button', { disabled: s.done || !canAct ? true : null, title: why || '' },
        s.done ? 'done' : 'check off');
      button.addEventListener('click', async () => {
        await api(`/v1/incidents/${id}/runbook/${s.step}`, { method: 'POST', body: {} });
        render();
      });
      return el('tr', { 'data-step': s.step }, el('td', {}, s.step), el('td', {}, s.role),
        el('td', {}, s.text), el('td', {}, s.done ? `${s.done_by} at ${s.done_at}` : '–'),
        el('td', {}, button));
    });
    const text = el('input', { id: 'update-text', placeholder: 'What changed, what is next', size: 80,
                               disabled: canAct ? null : true, title: why || '' });
    const post = el('button', { id: 'post-update', disabled: canAct ? null : true, title: why || '' },
      'Post update');
    post.addEventListener('click', async () => {
      if (!text.value.trim()) return;
      await api(`/v1/incidents/${id}/updates`, { method: 'POST', body: { text: text.value.trim() } });
      render();
    });
    main.replaceChildren(...[
      el('h2', { id: 'incident-title' }, `Incident ${i.id} · ${i.severity} · ${i.status}: ${i.title}`),
      clocks,
      el('div', { class: 'panel' }, el('h3', {}, 'Diagnosis'),
        el('p', { id: 'diagnosis' }, (i.diagnosis && i.diagnosis.summary) || 'no diagnosis'),
        failures.length ? el('div', { id: 'failing-traces' }, 'Failing requests: ', failures.map((e) =>
          el('a', { href: `#trace/${e.trace_id}`, class: 'trace-link' }, `${e.request_id || e.trace_id.slice(0, 8)} (${e.error_class})`))
          .flatMap((a, k) => (k ? [', ', a] : [a]))) : null),
      similar.length ? el('div', { class: 'panel', id: 'similar' }, el('h3', {}, 'Similar past incidents'),
        el('ul', {}, similar)) : null,
      el('div', { class: 'panel', id: 'runbook' }, el('h3', {}, 'Runbook'),
        steps.length ? table(['#', 'role', 'step', 'done', ''], steps)
                     : el('p', {}, `No runbook for ${i.severity} (runbook: in the config).`)),
      el('div', { class: 'panel' }, el('h3', {}, 'Post an update'), text, ' ', post,
        canAct ? null : el('div', { class: 'muted' }, `Read-only: ${why}.`)),
      el('div', { class: 'panel', id: 'timeline' }, el('h3', {}, 'Timeline'),
        table(['time', 'kind', 'actor', 'what'], i.timeline.map((e) => el('tr', { 'data-kind': e.kind },
          el('td', {}, e.time), el('td', {}, e.kind), el('td', {}, e.actor), el('td', {}, e.summary)))))]
      .filter(Boolean));
  }
  await render();
  const timer = setInterval(() => {
    if (document.activeElement && document.activeElement.id === 'update-text') return;
    render().catch(() => {});
  }, 5000);
  signal.addEventListener('abort', () => clearInterval(timer));
}
