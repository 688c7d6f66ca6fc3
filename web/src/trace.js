// A trace as a waterfall: one row per step, indented by depth, a bar from its start (end time −
// latency) to its end on a shared scale, coloured by layer; failing steps are highlighted.
import { api } from './api.js';
import { el } from './util.js';

const COLORS = { task: '#1f4e79', inference: '#7b61ff', tool: '#0b8a6b', business: '#b58900' };

export async function trace(main, signal, id) {
  const t = await api(`/v1/traces/${encodeURIComponent(id)}`);
  const rows = [];
  const walk = (span, depth) => {
    const end = span.ts / 1e6;  // ms
    rows.push({ span, depth, start: end - (span.latency_ms || 0), end });
    for (const c of span.children || []) walk(c, depth + 1);
  };
  for (const s of t.spans) walk(s, 0);
  const t0 = Math.min(...rows.map((r) => r.start));
  const t1 = Math.max(...rows.map((r) => r.end));
  const scale = Math.max(t1 - t0, 1);
  const label = (s) => [s.layer, s.model || s.tool || s.metric || s.use_case].filter(Boolean).join(' ');
  main.replaceChildren(
    el('h2', {}, `Trace ${id}`),
    el('p', {}, `${t.event_count} steps over ${Math.round(t1 - t0)} ms`),
    el('div', { class: 'panel', id: 'waterfall' }, rows.map((r) => {
      const error = r.span.status === 'error';
      const bar = el('div', { class: 'bar', style:
        `left:${(100 * (r.start - t0)) / scale}%;width:${Math.max((100 * (r.end - r.start)) / scale, 0.5)}%;` +
        `background:${error ? '#b3261e' : COLORS[r.span.layer] || '#555'}` });
      return el('div', { class: `wf-row${error ? ' error' : ''}`, 'data-layer': r.span.layer,
                         'data-span': r.span.span_id },
        el('div', { class: 'wf-label', style: `padding-left:${r.depth * 16}px` }, label(r.span),
          error ? el('span', { class: 'bad' }, ` ${r.span.error_class}`) : null),
        el('div', { class: 'wf-track' }, bar),
        el('div', { class: 'wf-ms' }, `${Math.round(r.span.latency_ms || 0)} ms`));
    })));
}
