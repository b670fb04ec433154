#!/usr/bin/env node
// The one launcher: `minik8s <component> [flags]` runs that component's own app. It only
// dispatches; each component stays a separate program with its own image.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const COMPONENTS = {
  apiserver: 'The API server: validates and stores objects in etcd, serves them over gRPC.',
  scheduler: 'Assigns pods to nodes.',
  'controller-manager': 'Runs the controllers that keep the cluster as declared.',
  kubelet: 'Runs the pods bound to its node on Docker.',
  proxy: 'Routes Service traffic on its node.',
  dns: 'Cluster DNS for Services and pods.',
  'hollow-nodes': 'Simulates many nodes from one process.',
};
// Tools that operate a cluster rather than run in one: scripts, run with bash.
const TOOLS = {
  'load-image': ['scripts/load-image.sh', "Makes local images pullable by the compose cluster's pods (its registry)."],
};

function usage(stream) {
  const width = Math.max(...Object.keys(COMPONENTS).map((c) => c.length)) + 2;
  stream.write('Usage: minik8s <component> [flags]\n\nComponents:\n');
  for (const [name, text] of Object.entries(COMPONENTS)) {
    const built = existsSync(join(root, 'apps', name, 'src', 'main.ts'));
    stream.write(`  ${name.padEnd(width)}${text}${built ? '' : ' (not built yet)'}\n`);
  }
  stream.write('\nTools:\n');
  for (const [name, [, text]] of Object.entries(TOOLS)) stream.write(`  ${name.padEnd(width)}${text}\n`);
  stream.write('\nRun "minik8s <component> --help" for its flags.\n');
}

const [component, ...args] = process.argv.slice(2);
if (!component || component === '--help' || component === '-h' || component === 'help') {
  usage(process.stdout);
  process.exit(component ? 0 : 1);
}
if (Object.prototype.hasOwnProperty.call(TOOLS, component)) {
  const tool = require('node:child_process').spawnSync('bash', [join(root, TOOLS[component][0]), ...args], { stdio: 'inherit' });
  process.exit(tool.status ?? 1);
}
if (!Object.prototype.hasOwnProperty.call(COMPONENTS, component)) {
  process.stderr.write(`Error: unknown component "${component}"\n\n`);
  usage(process.stderr);
  process.exit(1);
}
const bundled = join(root, 'dist', 'apps', component, 'main.js');
const source = join(root, 'apps', component, 'src', 'main.ts');
process.argv = [process.argv[0], component, ...args];
if (process.env.MINIK8S_USE_DIST === '1' && existsSync(bundled)) {
  require(bundled);
} else if (existsSync(source)) {
  process.env.TSX_TSCONFIG_PATH = join(root, 'tsconfig.base.json');
  require('tsx/cjs/api').register();
  require(source);
} else {
  process.stderr.write(`Error: the ${component} component is not part of this build yet\n`);
  process.exit(1);
}
