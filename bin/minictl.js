#!/usr/bin/env node
// minictl, the kubectl of minik8s.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bundled = join(root, 'dist', 'apps', 'minictl', 'main.js');
if (process.env.MINIK8S_USE_DIST === '1' && existsSync(bundled)) {
  require(bundled);
} else {
  process.env.TSX_TSCONFIG_PATH = join(root, 'tsconfig.base.json');
  require('tsx/cjs/api').register();
  require(join(root, 'apps', 'minictl', 'src', 'main.ts'));
}
