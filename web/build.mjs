// Bundles the dashboard into OUT (default ../build/web): index.html, favicon.svg, assets/app.js,
// assets/app.css (uPlot's stylesheet included). No network: dependencies come from node_modules.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : join(here, '..', 'build', 'web');
mkdirSync(join(out, 'assets'), { recursive: true });

await esbuild.build({
  entryPoints: [join(here, 'src', 'app.js')],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2020'],
  outfile: join(out, 'assets', 'app.js'),
  logLevel: 'warning',
});
const css = readFileSync(join(here, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8') +
            '\n' + readFileSync(join(here, 'src', 'app.css'), 'utf8');
writeFileSync(join(out, 'assets', 'app.css'), css);
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'src', 'favicon.svg'), join(out, 'favicon.svg'));
console.log(`dashboard built into ${out}`);
