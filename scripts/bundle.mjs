// Bundles one app (its code and the workspace libs it uses) into dist/apps/<app>/main.js.
// npm packages stay external: images install them with `npm ci --omit=dev`.
import { build } from 'esbuild';
import { join } from 'node:path';

const app = process.argv[2];
if (!app) {
  console.error('usage: node scripts/bundle.mjs <app>');
  process.exit(1);
}
const root = join(import.meta.dirname, '..');
await build({
  entryPoints: [join(root, 'apps', app, 'src', 'main.ts')],
  outfile: join(root, 'dist', 'apps', app, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  packages: 'external',
  tsconfig: join(root, 'tsconfig.base.json'),
  logLevel: 'warning',
});
console.log(`bundled dist/apps/${app}/main.js`);
