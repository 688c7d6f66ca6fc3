// Overview: the four layers side by side for a range, refreshed every 2 s while live.
import uPlot from 'uplot';
import { api } from './api.js';
import { el, ms, num, pct, usd } from './util.js';

const RANGES = [['-15m', '15 min'], ['-1h', '1 h'], ['-6h', '6 h'], ['-24h', '24 h'], ['-7d', '7 d']];

export function overview(main, signal) {
  const state = { range: '-15m', useCase: '' };
  const rangeSel = el('select', { id: 'range' },
    RANGES.map(([v, label]) => el('option', { value: v }, label)));
  const ucSel = el('select', { id: 'use-case' }, el('option', { value: '' }, 'all use cases'));
  const cards = el('div', { class: 'cards', id: 'layers' });
  const chartBox = el('div', { class: 'panel', id: 'cost-chart' }, el('h3', {}, 'Cost per minute'));
  const status = el('span', { id: 'status' });
  main.replaceChildren(
    el('div', { class: 'controls' }, 'Range', rangeSel, 'Use case', ucSel, status), cards, chartBox);
  let plot = null;

  rangeSel.addEventListener('change', () => { state.range = rangeSel.value; refresh(); });
  ucSel.addEventListener('change', () => { state.useCase = ucSel.value; refresh(); });

  async function loadUseCases() {
    const r = await api('/v1/use_cases?from=-24h');
    for (const u of r.use_cases) ucSel.append(el('option', { value: u.name }, u.name));
  }

  function card(title, big, bigClass, rows) {
    return el('div', { class: 'card', 'data-layer': title },
      el('h3', {}, title), el('div', { class: `big ${bigClass}` }, big),
      rows.map(([k, v]) => el('div', { class: 'row' }, el('span', {}, k), el('span', {}, v))));
  }

  function render(s) {
    const t = s.task, i = s.inference, tool = s.tool, b = s.business;
    const taskClass = t.count && t.success_rate < 0.95 ? 'bad' : 'good';
    const biz = b.metrics.map((m) => [m.metric, `${num(m.count)} (${pct(m.rate_per_task)} of tasks)`]);
    cards.replaceChildren(
      card('task', t.count ? pct(t.success_rate) : '–', taskClass,
        [['tasks', num(t.count)], ['failures', num(t.errors)],
         ...t.failure_classes.map((c) => [c.class, num(c.count)])]),
      card('inference', ms(i.latency_ms.p95), '',
        [['calls', num(i.count)], ['p50 / p95', `${ms(i.latency_ms.p50)} / ${ms(i.latency_ms.p95)}`],
         ['tokens in / out', `${num(i.tokens_in)} / ${num(i.tokens_out)}`],
         ['retries', num(i.retries)], ['refusals', num(i.refusals)]]),
      card('tool', tool.count ? pct(tool.success_rate) : '–', tool.count && tool.success_rate < 0.95 ? 'bad' : 'good',
        [['calls', num(tool.count)], ['p95', ms(tool.latency_ms.p95)],
         ['idempotency collisions', num(tool.idempotency_collisions)],
         ...tool.error_classes.map((c) => [c.class, num(c.count)])]),
      card('business', num(b.count), '', biz.length ? biz : [['outcomes', '–']]));
    const xs = s.cost.series.map((p) => Date.parse(p.time) / 1000);
    const ys = s.cost.series.map((p) => p.usd_per_minute);
    chartBox.dataset.points = String(xs.length);
    chartBox.dataset.total = String(s.cost.total_usd);
    if (!plot) {
      plot = new uPlot({
        width: Math.min(1200, main.clientWidth - 40), height: 220,
        series: [{}, { label: 'USD / min', stroke: '#1f4e79', width: 2 }],
        axes: [{}, { values: (u, v) => v.map((x) => usd(x)) }],
      }, [xs, ys], chartBox);
    } else {
      plot.setData([xs, ys]);  // one chart, new data: no growth while live
    }
    status.textContent = `cost ${usd(s.cost.total_usd)} · updated ${new Date().toLocaleTimeString()}`;
  }

  async function refresh() {
    const q = new URLSearchParams({ from: state.range, to: 'now' });
    if (state.useCase) q.set('use_case', state.useCase);
    try {
      render(await api(`/v1/summary?${q}`));
    } catch (e) {
      status.textContent = e.message;
      status.className = 'error';
    }
  }

  loadUseCases().catch(() => {});
  refresh();
  const timer = setInterval(refresh, 2000);
  signal.addEventListener('abort', () => { clearInterval(timer); if (plot) plot.destroy(); });
}
