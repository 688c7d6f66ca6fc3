// One postmortem in its structure — timeline, decision points, the five questions, guardrail
// failures, reinforcements with each verification result — and the knowledge-base search.
import { api } from './api.js';
import { el, table } from './util.js';

export async function postmortem(main, signal, id) {
  const pm = await api(`/v1/postmortems/${id}`);
  const verification = (r) => r.verification.verified ? el('span', { class: 'good' }, 'verified')
    : r.verification.checked ? el('span', { class: 'bad' }, 'not verified') : 'not checked';
  main.replaceChildren(
    el('h2', { id: 'postmortem-title' }, `Postmortem ${pm.id} · ${pm.status}: ${pm.title}`),
    el('p', {}, `Incident ${pm.incident_id} on ${pm.use_case}, release ${pm.release || '?'}. `,
      pm.verification.missing_kinds.length ? `Not covered yet: ${pm.verification.missing_kinds.join(', ')}.` : ''),
    el('div', { class: 'panel', id: 'reinforcements' }, el('h3', {}, 'Reinforcements'),
      pm.reinforcements.length ? table(['kind', 'ref', 'owner', 'due', 'result', 'reason'], pm.reinforcements.map((r) =>
        el('tr', { class: r.overdue ? 'bad' : '' }, el('td', {}, r.kind), el('td', {}, r.ref), el('td', {}, r.owner),
          el('td', {}, r.due + (r.overdue ? ' (overdue)' : '')), el('td', {}, verification(r)),
          el('td', {}, r.verification.reason || ''))))
        : el('p', {}, `None yet: add them with \`vigil postmortem edit ${pm.id}\`.`)),
    el('div', { class: 'panel', id: 'questions' }, el('h3', {}, 'The five questions'),
      pm.questions.map((q) => el('div', {}, el('strong', {}, q.question), el('p', {}, q.answer || 'open')))),
    el('div', { class: 'panel' }, el('h3', {}, 'Decision points'),
      table(['time', 'decision', 'decided by', 'outcome'], pm.decision_points.map((d) =>
        el('tr', {}, el('td', {}, d.at), el('td', {}, d.decision), el('td', {}, d.decided_by + (d.automated ? ' (automated)' : '')),
          el('td', {}, d.outcome))))),
    el('div', { class: 'panel', id: 'pm-timeline' }, el('h3', {}, 'Timeline'),
      table(['time', 'kind', 'actor', 'what'], pm.timeline.map((e) =>
        el('tr', {}, el('td', {}, e.at), el('td', {}, e.kind), el('td', {}, e.actor), el('td', {}, e.summary))))));
}

export function kbSearch() {
  const input = el('input', { id: 'kb-query', placeholder: 'Search past failures: permission denied refund', size: 60 });
  const results = el('div', { id: 'kb-results' });
  const form = el('form', { class: 'panel', id: 'kb' }, el('h3', {}, 'Knowledge base'), input, ' ',
    el('button', { type: 'submit' }, 'Search'), results);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!input.value.trim()) return;
    try {
      const r = await api(`/v1/kb/search?q=${encodeURIComponent(input.value)}`);
      results.replaceChildren(r.hits.length ? el('ul', {}, r.hits.map((h) => el('li', { 'data-postmortem': h.postmortem_id },
        el('a', { href: `#postmortem/${h.postmortem_id}` }, `Postmortem ${h.postmortem_id}: ${h.title}`),
        el('div', { class: 'muted' }, h.snippet),
        h.prevention_rules.length ? el('div', { class: 'muted' }, `prevention: ${h.prevention_rules.join('; ')}`) : null)))
        : el('p', {}, 'No postmortem matches.'));
    } catch (err) {
      results.replaceChildren(el('p', { class: 'error' }, err.message));
    }
  });
  return form;
}
