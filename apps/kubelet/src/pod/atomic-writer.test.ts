import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validPayloadPath, writeAtomically, type Payload } from './atomic-writer';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'atomic-writer-')), 'vol');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const payload = (files: Record<string, string>, mode = 0o644): Payload => new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

describe('writeAtomically', () => {
  it('writes files behind ..data and top-level symlinks, as Kubernetes lays them out', async () => {
    expect(await writeAtomically(dir, payload({ 'app.conf': 'a', 'nested/x.txt': 'x' }, 0o600))).toBe(true);
    const data = readlinkSync(join(dir, '..data'));
    expect(data).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\..+/);
    expect(readlinkSync(join(dir, 'app.conf'))).toBe('..data/app.conf');
    expect(readlinkSync(join(dir, 'nested'))).toBe('..data/nested');
    expect(readFileSync(join(dir, 'nested/x.txt'), 'utf8')).toBe('x');
    expect(statSync(join(dir, 'app.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, data)).mode & 0o777).toBe(0o755);
    expect(readdirSync(dir).sort()).toEqual(['..data', data, 'app.conf', 'nested'].sort());
  });

  it('changes nothing for the same content, and swaps the whole set on a change', async () => {
    await writeAtomically(dir, payload({ a: '1', b: '2' }));
    const first = readlinkSync(join(dir, '..data'));
    expect(await writeAtomically(dir, payload({ a: '1', b: '2' }))).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(first);
    expect(await writeAtomically(dir, payload({ a: '10', c: '3' }))).toBe(true);
    const second = readlinkSync(join(dir, '..data'));
    expect(second).not.toBe(first);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('10');
    expect(readFileSync(join(dir, 'c'), 'utf8')).toBe('3');
    // The old generation and the removed key are gone.
    expect(readdirSync(dir).sort()).toEqual(['..data', second, 'a', 'c'].sort());
  });

  it('replaces plain files left by a non-atomic writer', async () => {
    mkdirSync(join(dir, 'conf'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'old'), 'old');
    await writeAtomically(dir, payload({ 'conf/new': 'new' }));
    expect(lstatSync(join(dir, 'conf')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dir, 'conf'))).toEqual(['new']);
  });

  it('refuses paths that leave the volume', async () => {
    expect(validPayloadPath('a/b')).toBe(true);
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', '..data']) expect(validPayloadPath(bad)).toBe(false);
    await expect(writeAtomically(dir, payload({ '../escape': 'x' }))).rejects.toThrow(/invalid path/);
  });
});
