// HEALTHCHECK helper that needs only node: exits 0 when the URL answers 2xx within 3 s.
// MINIK8S_HEALTH_URL overrides the URL baked into the Dockerfile (e.g. when --health-port changes).
const url = process.env.MINIK8S_HEALTH_URL || process.argv[2];
const req = require('node:http').get(url, { timeout: 3000 }, (res) => process.exit(res.statusCode >= 200 && res.statusCode < 300 ? 0 : 1));
req.on('timeout', () => process.exit(1));
req.on('error', () => process.exit(1));
