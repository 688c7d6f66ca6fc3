// The dashboard's overview first paint, measured in Debian's chromium (headless):
//   node first_paint.mjs BASE_URL READ_TOKEN LOADS
// "First paint" = from navigation start until the overview has drawn its cards and charts with
// data (the status line says "step …", written after the first refresh rendered). The token is in
// session storage as after a sign-in, so the page goes straight to the overview. Then the time
// from choosing the 24 h and 7 d ranges to their charts. Prints one JSON line.
import { chromium } from 'playwright-core';

const [base, token, loadsArg] = process.argv.slice(2);
const loads = Number(loadsArg || 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const out = { first_paint_ms: [], range_ms: {}, tasks_shown: '', errors: [] };
page.on('pageerror', (e) => out.errors.push(String(e)));
const drawn = (step) => page.waitForFunction((s) => {
  const status = document.querySelector('#status');
  return status && status.textContent.startsWith(s) ? performance.now() : false;
}, step, { polling: 'raf', timeout: 60000 });

try {
  await page.goto(base + '/');
  await page.evaluate((t) => sessionStorage.setItem('vigil.token', t), token);
  for (let i = 0; i < loads; ++i) {
    await page.reload({ waitUntil: 'commit' });
    out.first_paint_ms.push(await (await drawn('step ')).jsonValue());
  }
  out.tasks_shown = await page.evaluate(() => [...document.querySelectorAll('.card[data-layer="task"] .row')]
    .find((r) => r.firstChild.textContent === 'tasks')?.lastChild.textContent || '');
  for (const [range, step] of [['-24h', 'step 15 min'], ['-7d', 'step 60 min']]) {
    const t0 = await page.evaluate(() => performance.now());
    await page.selectOption('#range', range);
    out.range_ms[range] = (await (await drawn(step)).jsonValue()) - t0;
  }
} catch (e) {
  out.errors.push(String(e));
}
await browser.close();
console.log(JSON.stringify(out));
