import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildServicePorts } from './model';
import { buildRuleset, renderRestore } from './ruleset';

/**
 * Golden files: each `testdata/<case>.yaml` (Services, EndpointSlices, node and options) must
 * render exactly `testdata/<case>.rules`. `UPDATE_GOLDEN=1 npx vitest run` rewrites them.
 */
interface GoldenCase {
  nodeName?: string;
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  stale?: { nat?: string[]; filter?: string[] };
  services?: corev1.Service[];
  endpointSlices?: discoveryv1.EndpointSlice[];
}

const dir = join(__dirname, 'testdata');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

function renderCase(input: GoldenCase): string {
  const ports = buildServicePorts(input.services ?? [], input.endpointSlices ?? [], input.nodeName ?? 'node-1');
  const ruleset = buildRuleset(ports, { clusterCIDR: input.clusterCIDR ?? '10.244.0.0/16', masqueradeAll: input.masqueradeAll ?? false });
  return renderRestore(ruleset, input.stale ?? {});
}

describe('golden rules', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));
  it.each(cases)('%s', (file) => {
    const input = parse(readFileSync(join(dir, file), 'utf8')) as GoldenCase;
    const got = renderCase(input);
    const goldenPath = join(dir, file.replace(/\.yaml$/, '.rules'));
    if (update) writeFileSync(goldenPath, got);
    expect(got).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
