// Starts a drill from the dashboard in Debian's chromium (headless) and follows it:
//   node drill.mjs BASE_URL OPERATE_TOKEN SCREENSHOT_DIR
// Signs in, starts a tool-permission drill on refund-bot through the drills page and its
// confirmation, follows the steps live to the verdict, then opens the drill's incident and the
// releases page. Prints one JSON line with what it saw; exits 1 when a step of this script fails.
import { chromium } from 'playwright-core';

const [base, token, shots] = process.argv.slice(2);
const problems = [];
const consoleErrors = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
const seen = {};
const rowsText = (sel) => page.$$eval(sel, (rows) => rows.map((r) => r.textContent));

try {
  await page.goto(base + '/');
  await page.waitForSelector('#signin', { timeout: 10000 });
  await page.fill('#token', token);
  await page.click('#signin button');
  await page.waitForSelector('#nav a[data-page="drills"]', { timeout: 10000 });
  await page.click('#nav a[data-page="drills"]');
  await page.waitForSelector('#drill-start:not([disabled])', { timeout: 10000 });
  await page.selectOption('#drill-scenario', 'tool-permission');
  await page.selectOption('#drill-use-case', 'refund-bot');
  await page.click('#drill-start');
  await page.waitForSelector('#drill-confirm', { timeout: 10000 });
  seen.confirm = await page.textContent('#drill-confirm p');
  await page.click('#drill-confirm-yes');

  // Followed live: the page shows the steps as they finish, then the verdict.
  await page.waitForSelector('#drill[data-status]', { timeout: 10000 });
  seen.first_status = await page.getAttribute('#drill', 'data-status');
  await page.waitForSelector('#drill-steps tr[data-step="detect"][data-ok="true"]', { timeout: 60000 });
  seen.steps_while_running = await page.$$eval('#drill-steps tr[data-step]', (r) => r.map((x) => x.dataset.step));
  await page.screenshot({ path: `${shots}/drill-running.png`, fullPage: true });
  await page.waitForFunction(() => document.querySelector('#drill')?.dataset.status !== 'running',
                             null, { timeout: 120000 });
  seen.status = await page.getAttribute('#drill', 'data-status');
  seen.verdict = await page.textContent('#drill-verdict');
  seen.steps = await page.$$eval('#drill-steps tr[data-step]', (r) => r.map((x) => `${x.dataset.step}:${x.dataset.ok}`));
  seen.clocks = await page.$$eval('#drill .clock', (c) => c.map((x) => `${x.dataset.clock}:${x.dataset.met}`));
  seen.drill_hash = await page.evaluate(() => location.hash);
  await page.screenshot({ path: `${shots}/drill.png`, fullPage: true });

  // The drill's incident: its timeline shows the automated rollback.
  await page.click('#drill-incident');
  await page.waitForSelector('#timeline table', { timeout: 10000 });
  seen.incident_title = await page.textContent('h2');
  seen.timeline = await page.$$eval('#timeline tr[data-kind]', (r) => r.map((x) => `${x.dataset.kind}|${x.textContent}`));
  await page.screenshot({ path: `${shots}/drill-incident.png`, fullPage: true });

  // The releases page lists the rollback among the route's recent changes.
  await page.click('#nav a[data-page="releases"]');
  await page.waitForSelector('#release-use-case', { timeout: 10000 });
  await page.selectOption('#release-use-case', 'refund-bot');
  await page.waitForSelector('#release-changes tr[data-action="release.rollback"]', { timeout: 10000 });
  seen.release_changes = await rowsText('#release-changes tr[data-action]');
  seen.active = await page.getAttribute('#releases tr[data-role="active"]', 'data-version');
  await page.screenshot({ path: `${shots}/drill-releases.png`, fullPage: true });

  // The history lists the drill with its report card.
  await page.click('#nav a[data-page="drills"]');
  await page.waitForSelector('#drills tr[data-id]', { timeout: 10000 });
  seen.history = await page.$$eval('#drills tr[data-id]', (r) => r.map((x) => `${x.dataset.id}:${x.dataset.status}`));
  seen.history_clocks = await page.$$eval('#drills tr[data-id] .clock', (c) => c.length);
  await page.screenshot({ path: `${shots}/drills.png`, fullPage: true });
} catch (e) {
  problems.push(String(e));
  await page.screenshot({ path: `${shots}/drill-failure.png`, fullPage: true }).catch(() => {});
}
if (consoleErrors.length) problems.push(`console errors: ${consoleErrors.join(' | ')}`);
await browser.close();
console.log(JSON.stringify({ ok: problems.length === 0, problems, seen }));
process.exit(problems.length === 0 ? 0 : 1);
