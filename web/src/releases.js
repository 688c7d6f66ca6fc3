// Releases of a use case: history with each release's role, mode and freeze banners, and the
// acts an on-call engineer needs — roll back, freeze, degrade — each behind a confirmation that
// names what will change. Without the operate role the buttons are disabled and say why.
import { api } from './api.js';
import { el, table } from './util.js';

export async function releases(main, signal, me) {
  const canAct = me.roles.includes('operate') || me.roles.includes('admin');
  const why = canAct ? '' : `token ${me.name} has no operate role`;
  const ucs = (await api('/v1/use_cases?from=-24h')).use_cases.map((u) => u.name);
  let useCase = ucs[0] || '';
  const picker = el('select', { id: 'release-use-case' }, ucs.map((u) => el('option', { value: u }, u)));
  picker.addEventListener('change', () => { useCase = picker.value; render(); });
  const body = el('div', { id: 'releases' });
  main.replaceChildren(el('div', { class: 'controls' }, 'Use case', picker), body);

  function confirmBox(text, act) {
    const box = el('div', { class: 'panel confirm', id: 'confirm' }, el('p', {}, text));
    const yes = el('button', { id: 'confirm-yes' }, 'Confirm');
    const no = el('button', { id: 'confirm-no', class: 'secondary' }, 'Cancel');
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        const r = await act();
        box.replaceChildren(el('p', { id: 'act-result' }, r.message || 'done'));
      } catch (e) {
        box.replaceChildren(el('p', { class: 'error', id: 'act-result' }, e.message));
      }
      setTimeout(render, 300);
      setTimeout(() => box.remove(), 5000);  // the outcome stays readable, then live refresh resumes
    });
    no.addEventListener('click', () => box.remove());
    box.append(yes, ' ', no);
    body.prepend(box);
  }

  function actButton(id, label, onClick) {
    const b = el('button', { id, disabled: canAct ? null : true, title: why }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  async function render() {
    if (!useCase) { body.replaceChildren(el('p', {}, 'No use cases yet.')); return; }
    const [h, audit] = await Promise.all([api(`/v1/releases/${encodeURIComponent(useCase)}`),
      api(`/v1/audit?target=${encodeURIComponent(useCase)}&limit=100`)]);
    // Route changes of this use case (targets are NAME, NAME@version or NAME#fault; the prefix filter also matches longer names).
    const changes = audit.entries.filter((e) => e.target === useCase || e.target.startsWith(`${useCase}@`) ||
      e.target.startsWith(`${useCase}#`)).slice(0, 20);
    const banners = [];
    if (h.mode === 'degraded') banners.push(el('div', { class: 'banner', id: 'degraded-banner' }, `${useCase} runs in degraded mode`));
    for (const f of h.freezes || []) banners.push(el('div', { class: 'banner', id: 'freeze-banner' }, f.message));
    const rollback = actButton('rollback', 'Roll back…', async () => {
      const c = await api(`/v1/releases/${encodeURIComponent(useCase)}/rollback_check`);
      if (!c.ok) {
        confirmBox(`A rollback of ${useCase} would be refused: ${c.problems.join('; ')}`, async () => {
          throw new Error('nothing changed');
        });
        return;
      }
      confirmBox(`Roll back ${useCase} from ${c.from} to ${c.to} now? Services following the route switch at once; a canary is cancelled.`,
        () => api(`/v1/releases/${encodeURIComponent(useCase)}/rollback`, { method: 'POST', body: { reason: 'from the dashboard' } }));
    });
    const freeze = actButton('freeze', h.frozen ? 'Lift freeze…' : 'Freeze…', () => {
      if (h.frozen) {
        confirmBox(`Lift the freeze of ${useCase}? Promotions become possible again.`,
          () => api(`/v1/freeze?use_case=${encodeURIComponent(useCase)}`, { method: 'DELETE' }));
      } else {
        confirmBox(`Freeze releases of ${useCase}? Promotions and new canaries are refused until lifted; rollback and degrade stay allowed.`,
          () => api('/v1/freeze', { method: 'POST', body: { use_case: useCase, reason: 'from the dashboard' } }));
      }
    });
    const degraded = h.mode === 'degraded';
    const degrade = actButton('degrade', degraded ? 'Back to normal…' : 'Degrade…', () => {
      confirmBox(degraded ? `Return ${useCase} to normal mode (its active release's model and tools)?`
                          : `Switch ${useCase} to degraded mode (fallback model, reduced tools) now?`,
        () => api(`/v1/routes/${encodeURIComponent(useCase)}/mode`, { method: 'POST', body: { mode: degraded ? 'normal' : 'degraded', reason: 'from the dashboard' } }));
    });
    body.querySelectorAll(':scope > :not(#confirm)').forEach((n) => n.remove());
    body.append(...banners,
      el('div', { class: 'panel' },
        el('h3', {}, `${useCase}: active ${h.active || '–'}`, h.canary ? `, canary ${h.canary.version} at ${h.canary.percent}%` : '',
          `, last known good ${h.last_known_good || '–'}, mode ${h.mode} (route version ${h.route_version})`),
        el('div', { class: 'controls' }, rollback, freeze, degrade, canAct ? null : el('span', { class: 'muted' }, `Read-only: ${why}.`)),
        table(['version', 'role', 'model', 'prompt', 'created', 'by'], h.releases.map((r) =>
          el('tr', { 'data-version': r.version, 'data-role': r.role },
            el('td', {}, r.version), el('td', {}, el('span', { class: 'tag' }, r.role)), el('td', {}, r.model),
            el('td', {}, r.prompt), el('td', {}, r.created_at), el('td', {}, r.created_by))))),
      el('div', { class: 'panel', id: 'release-changes' }, el('h3', {}, 'Recent changes'),
        changes.length === 0 ? el('p', { class: 'muted' }, 'none') :
          table(['time', 'change', 'target', 'by', 'why'], changes.map((e) =>
            el('tr', { 'data-action': e.action },
              el('td', {}, e.time), el('td', {}, e.action), el('td', {}, e.target), el('td', {}, e.actor),
              el('td', {}, e.detail))))));
  }
  await render();
  const timer = setInterval(() => { if (!document.getElementById('confirm')) render().catch(() => {}); }, 3000);
  signal.addEventListener('abort', () => clearInterval(timer));
}
