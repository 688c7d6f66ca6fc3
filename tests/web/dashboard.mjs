// Drives the dashboard in Debian's chromium (headless) against a running vigil:
//   node dashboard.mjs BASE_URL READ_TOKEN OPERATE_TOKEN SCREENSHOT_DIR
// Prints one JSON line with what it saw; exits 1 with the reason when a check fails.
import { chromium } from 'playwright-core';

const [base, token, operateToken, shots] = process.argv.slice(2);
const problems = [];
const consoleErrors = [];
const apiBeforeSignIn = [];
let signedIn = false;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
page.on('request', (r) => { if (!signedIn && r.url().includes('/v1/')) apiBeforeSignIn.push(r.url()); });
const check = (ok, what) => { if (!ok) problems.push(what); };
const seen = {};

try {
  await page.goto(base + '/');
  await page.waitForSelector('#signin', { timeout: 10000 });
  check(apiBeforeSignIn.length === 0, `API called before sign-in: ${apiBeforeSignIn.join(', ')}`);
  await page.screenshot({ path: `${shots}/signin.png` });

  // A wrong token is refused with a message and no console noise.
  await page.fill('#token', 'not-a-token');
  signedIn = true;  // from here on API calls are expected
  await page.click('#signin button');
  await page.waitForFunction(() => document.querySelector('#signin-error')?.textContent.length > 0,
                             null, { timeout: 10000 });
  seen.bad_token = await page.textContent('#signin-error');

  await page.fill('#token', token);
  await page.click('#signin button');
  await page.waitForSelector('#layers .card[data-layer="task"]', { timeout: 10000 });
  // Real data: the task card shows the stored tasks, the chart the cost series.
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('.card[data-layer="task"] .row')];
    const tasks = rows.find((r) => r.firstChild.textContent === 'tasks');
    return tasks && tasks.lastChild.textContent !== '0';
  }, null, { timeout: 15000 });
  seen.task_card = await page.textContent('.card[data-layer="task"]');
  seen.inference_card = await page.textContent('.card[data-layer="inference"]');
  await page.waitForFunction(() => Number(document.querySelector('#cost-chart').dataset.points) > 0,
                             null, { timeout: 15000 });
  seen.chart_points = Number(await page.getAttribute('#cost-chart', 'data-points'));
  seen.chart_total = Number(await page.getAttribute('#cost-chart', 'data-total'));
  seen.chart_tasks = Number(await page.getAttribute('#task-chart', 'data-tasks'));
  // Per-layer charts hold the data uPlot drew: the success-rate and latency series' values.
  seen.chart_series = await page.evaluate(() => Object.fromEntries(
    ['task-chart', 'latency-chart', 'tool-chart', 'cost-chart'].map((id) =>
      [id, Number(document.getElementById(id).dataset.points)])));
  seen.chart_canvas = await page.$$eval('.charts canvas', (c) => c.length);
  seen.who = await page.textContent('#who');
  await page.screenshot({ path: `${shots}/overview.png`, fullPage: true });

  // Live refresh keeps the same charts and does not grow: after a forced GC the JS heap and the
  // DOM are measured, again after five more refreshes.
  const cdp = await page.context().newCDPSession(page);
  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return { heap: usedSize, nodes: await page.evaluate(() => document.getElementsByTagName('*').length) };
  };
  const refreshes = async (n) => {
    for (let i = 0; i < n; ++i) {
      const before = await page.textContent('#status');
      await page.waitForFunction((b) => document.querySelector('#status').textContent !== b, before,
                                 { timeout: 10000 });
    }
  };
  await refreshes(2);  // warm: every code path of a refresh has run once
  const m0 = await measure();
  await refreshes(5);
  const m1 = await measure();
  seen.live_heap_growth = m1.heap - m0.heap;
  seen.live_dom_growth = m1.nodes - m0.nodes;
  seen.charts_after_refresh = await page.$$eval('.uplot', (c) => c.length);

  // Events, failures only: each row a failed step, its trace one click away.
  await page.click('#nav a[data-page="events"]');
  await page.waitForSelector('#events tbody tr', { timeout: 10000 });
  seen.events_rows = await page.$$eval('#events tbody tr', (r) => r.length);
  await page.check('#events-failures');
  await page.click('#events-show');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#events tbody tr')];
    return rows.length > 0 && rows.every((r) => r.classList.contains('error'));
  }, null, { timeout: 10000 });
  seen.failed_events = await page.$$eval('#events tbody tr', (r) => r.map((x) => `${x.dataset.layer}:${x.children[4].textContent}`));
  await page.screenshot({ path: `${shots}/events.png`, fullPage: true });
  await page.click('#events tbody tr[data-layer="tool"] a.trace-link');
  await page.waitForSelector('#waterfall .wf-row.error[data-layer="tool"]', { timeout: 10000 });
  seen.event_to_trace = await page.textContent('#waterfall .wf-row.error[data-layer="tool"]');

  await page.click('#nav a[data-page="alerts"]');
  await page.waitForSelector('#alerts', { timeout: 10000 });
  await page.screenshot({ path: `${shots}/alerts.png`, fullPage: true });
  for (const name of ['incidents', 'postmortems']) {
    await page.click(`#nav a[data-page="${name}"]`);
    await page.waitForSelector(`#${name} table`, { timeout: 10000 });
    seen[`${name}_rows`] = await page.$$eval(`#${name} tbody tr`, (r) => r.length);
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  }

  // A postmortem in its structure, and the knowledge base finding it by words of its text.
  await page.click('#postmortems tbody a');
  await page.waitForSelector('#reinforcements table', { timeout: 10000 });
  seen.pm_reinforcements = await page.$$eval('#reinforcements tbody tr', (r) => r.length);
  await page.screenshot({ path: `${shots}/postmortem.png`, fullPage: true });
  await page.click('#nav a[data-page="postmortems"]');
  await page.waitForSelector('#kb-query', { timeout: 10000 });
  await page.fill('#kb-query', 'latency spike refund');
  await page.click('#kb button');
  await page.waitForSelector('#kb-results li', { timeout: 10000 });
  seen.kb_hits = await page.$$eval('#kb-results li', (r) => r.length);

  // Releases as a read-only viewer: the rollback button is disabled with the reason.
  await page.click('#nav a[data-page="releases"]');
  await page.waitForSelector('#releases tr[data-role="active"]', { timeout: 10000 });
  seen.rollback_disabled_for_viewer = await page.$eval('#rollback', (b) => b.disabled);
  seen.rollback_why = await page.getAttribute('#rollback', 'title');

  // The incident as a read-only viewer: clocks and timeline, the update form disabled with why.
  await page.click('#nav a[data-page="incidents"]');
  await page.click('#incidents tbody a');
  await page.waitForSelector('#timeline table', { timeout: 10000 });
  seen.clocks = await page.$$eval('#clocks .card', (c) => c.map((x) => x.dataset.clock));
  seen.update_disabled = await page.$eval('#post-update', (b) => b.disabled);
  seen.update_why = await page.getAttribute('#post-update', 'title');
  await page.screenshot({ path: `${shots}/incident.png`, fullPage: true });

  // From the incident to a failing request's trace: the waterfall highlights the failing step.
  await page.click('#failing-traces a');
  await page.waitForSelector('#waterfall .wf-row', { timeout: 10000 });
  seen.waterfall_rows = await page.$$eval('#waterfall .wf-row', (r) => r.length);
  seen.failing_span = await page.textContent('#waterfall .wf-row.error[data-layer="tool"]');
  await page.screenshot({ path: `${shots}/trace.png`, fullPage: true });

  // An operator posts an update through the form; it joins the timeline.
  await page.click('#signout');
  await page.waitForSelector('#signin', { timeout: 10000 });
  await page.fill('#token', operateToken);
  await page.click('#signin button');
  await page.waitForSelector('#nav a[data-page="incidents"]', { timeout: 10000 });
  await page.click('#nav a[data-page="incidents"]');
  await page.click('#incidents tbody a');
  await page.waitForSelector('#post-update:not([disabled])', { timeout: 10000 });
  await page.fill('#update-text', 'Rolled back; watching the error rate');
  await page.click('#post-update');
  await page.waitForFunction(() => [...document.querySelectorAll('#timeline tr[data-kind="update"]')]
    .some((r) => r.textContent.includes('watching the error rate')), null, { timeout: 10000 });
  seen.update_posted = true;

  // The operator rolls back from the releases page, through a confirmation naming the change.
  await page.click('#nav a[data-page="releases"]');
  await page.waitForSelector('#rollback:not([disabled])', { timeout: 10000 });
  await page.click('#rollback');
  await page.waitForSelector('#confirm-yes', { timeout: 10000 });
  seen.rollback_confirm = await page.textContent('#confirm p');
  await page.click('#confirm-yes');
  await page.waitForFunction(() => document.querySelector('#releases tr[data-role="active"]')
    ?.dataset.version === 'v1', null, { timeout: 10000 });
  seen.active_after_rollback = 'v1';
  await page.screenshot({ path: `${shots}/releases.png`, fullPage: true });

  // The overview marks the rollback on its charts and lists it.
  await page.click('#nav a[data-page="overview"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#markers li[data-kind="release"]')]
    .some((li) => li.textContent.includes('release.rollback')), null, { timeout: 10000 });
  seen.release_markers = await page.$$eval('#markers li[data-kind="release"]', (l) => l.map((x) => x.textContent));
  await page.screenshot({ path: `${shots}/overview-markers.png`, fullPage: true });
} catch (e) {
  problems.push(String(e));
  await page.screenshot({ path: `${shots}/failure.png`, fullPage: true }).catch(() => {});
}
// The wrong token's 401 is the one expected error; nothing else may reach the console.
const unexpected = consoleErrors.filter((e) => !e.includes('401'));
check(unexpected.length === 0, `console errors: ${unexpected.join(' | ')}`);
await browser.close();
console.log(JSON.stringify({ ok: problems.length === 0, problems, seen, consoleErrors }));
process.exit(problems.length === 0 ? 0 : 1);
