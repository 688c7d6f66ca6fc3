// Overview: the four layers side by side for a range — cards with the totals, time-series charts
// per layer with alert, incident and release markers — refreshed every 2 s while live.
import { api } from './api.js';
import { LiveChart, MARKER_COLORS } from './charts.js';
import { el, ms, num, pct, usd } from './util.js';

const RANGES = [['-15m', '15 min'], ['-1h', '1 h'], ['-6h', '6 h'], ['-24h', '24 h'], ['-7d', '7 d']];
const PALETTE = ['#1b7f3b', '#1f4e79', '#d9822b', '#7b1fa2', '#00838f', '#6d4c41'];

// Each chart: its panel id, title, y format and the series it takes from /v1/timeseries.
const CHARTS = [
  { id: 'task-chart', title: 'Task success rate', format: pct, rate: true,
    series: (t) => [{ label: 'success', values: t.task.success_rate, color: '#1b7f3b' }] },
  { id: 'latency-chart', title: 'Inference latency', format: ms,
    series: (t) => [{ label: 'p50', values: t.inference.latency_p50_ms, color: '#5b8fc7' },
                    { label: 'p95', values: t.inference.latency_p95_ms, color: '#1f4e79' }] },
  { id: 'tool-chart', title: 'Tool success rate', format: pct, rate: true,
    series: (t) => [{ label: 'success', values: t.tool.success_rate, color: '#00838f' }] },
  { id: 'business-chart', title: 'Business outcomes per task', format: pct, rate: true,
    series: (t) => Object.entries(t.business.rate_per_task)
      .map(([metric, values], i) => ({ label: metric, values, color: PALETTE[i % PALETTE.length] })) },
  { id: 'cost-chart', title: 'Cost per minute', format: usd,
    series: (t) => [{ label: 'USD / min', values: t.cost.usd_per_minute, color: '#1f4e79' }] },
];

export function overview(main, signal) {
  const state = { range: '-15m', useCase: '', from: 0, to: 0, markers: [] };
  const rangeSel = el('select', { id: 'range' },
    RANGES.map(([v, label]) => el('option', { value: v }, label)));
  const ucSel = el('select', { id: 'use-case' }, el('option', { value: '' }, 'all use cases'));
  const cards = el('div', { class: 'cards', id: 'layers' });
  const status = el('span', { id: 'status' });
  const markerList = el('ul', { id: 'markers', class: 'markers' });
  const width = Math.max(360, Math.min(620, (main.clientWidth - 70) / 2));
  const charts = CHARTS.map((c) => {
    const box = el('div', { class: 'panel chart', id: c.id }, el('h3', {}, c.title));
    return { spec: c, box, chart: new LiveChart(box, {
      width, format: c.format, rate: c.rate, getMarkers: () => state.markers, getRange: () => [state.from, state.to] }) };
  });
  main.replaceChildren(
    el('div', { class: 'controls' }, 'Range', rangeSel, 'Use case', ucSel, status), cards,
    el('div', { class: 'charts' }, charts.map((c) => c.box)),
    el('div', { class: 'panel' }, el('h3', {}, 'Markers'), legend(), markerList));

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

  function renderCards(s) {
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
      card('business', num(b.count), '', biz.length ? biz : [['outcomes', '–']]),
      card('cost', usd(s.cost.total_usd), '',
        [['per minute', usd(s.cost.per_minute_usd)],
         ['unpriced events', num(s.cost.unpriced.events)]]));
  }

  // Alert firings (live rule state), incidents and release changes (durable) in the range.
  function collectMarkers(alertList, incidentList, audit) {
    const inRange = (t) => t >= state.from && t <= state.to;
    const wanted = (uc) => !state.useCase || uc === state.useCase;
    const out = [];
    for (const a of alertList.alerts) {
      const t = Date.parse(a.fired_at) / 1000;
      if (!a.fired_at || !inRange(t) || !wanted(a.labels.use_case || state.useCase)) continue;
      out.push({ t, kind: 'alert', color: MARKER_COLORS[a.tier], text: `${a.tier} ${a.rule} fired` });
    }
    for (const i of incidentList.incidents) {
      const t = Date.parse(i.opened_at) / 1000;
      if (!inRange(t) || !wanted(i.use_case)) continue;
      out.push({ t, kind: 'incident', color: MARKER_COLORS.incident, text: `incident #${i.id} ${i.severity}: ${i.title}` });
    }
    for (const e of audit.entries) {
      const t = Date.parse(e.time) / 1000;
      if (!inRange(t) || e.action === 'release.create' || !wanted(e.target.split('@')[0])) continue;
      out.push({ t, kind: 'release', color: MARKER_COLORS.release, text: `${e.action} ${e.target} by ${e.actor}` });
    }
    return out.sort((a, b) => a.t - b.t);
  }

  function renderMarkers() {
    markerList.replaceChildren(...(state.markers.length ? state.markers.map((m) =>
      el('li', { 'data-kind': m.kind }, el('span', { class: 'swatch', style: `background:${m.color}` }),
        `${new Date(m.t * 1000).toLocaleTimeString()} ${m.text}`))
      : [el('li', { class: 'muted' }, 'no alert firings or release changes in this range')]));
  }

  async function refresh() {
    const q = new URLSearchParams({ from: state.range, to: 'now' });
    if (state.useCase) q.set('use_case', state.useCase);
    try {
      const [summary, series, alertList, incidentList, audit] = await Promise.all([
        api(`/v1/summary?${q}`), api(`/v1/timeseries?${q}`), api('/v1/alerts'),
        api('/v1/incidents'), api(`/v1/audit?action=release.&from=${state.range}&limit=500`)]);
      if (signal.aborted) return;
      state.from = Date.parse(series.range.from) / 1000;
      state.to = Date.parse(series.range.to) / 1000;
      state.markers = collectMarkers(alertList, incidentList, audit);
      renderCards(summary);
      for (const c of charts) c.chart.update(series.time, c.spec.series(series));
      const costBox = charts.find((c) => c.spec.id === 'cost-chart').box;
      costBox.dataset.total = String(summary.cost.total_usd);
      const taskBox = charts.find((c) => c.spec.id === 'task-chart').box;
      taskBox.dataset.tasks = String(series.task.count.reduce((a, b) => a + b, 0));
      renderMarkers();
      status.className = '';
      status.textContent = `step ${series.step_s / 60} min · updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      status.textContent = e.message;
      status.className = 'error';
    }
  }

  loadUseCases().catch(() => {});
  refresh();
  const timer = setInterval(refresh, 2000);
  signal.addEventListener('abort', () => { clearInterval(timer); for (const c of charts) c.chart.destroy(); });
}

function legend() {
  return el('div', { class: 'muted legend' }, Object.entries(MARKER_COLORS).map(([k, color]) =>
    el('span', {}, el('span', { class: 'swatch', style: `background:${color}` }), k === 'release' ? 'release change (dashed)' : k)));
}
