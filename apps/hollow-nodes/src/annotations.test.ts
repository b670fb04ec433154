import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS,
  annotationsHelp,
  DEFAULT_BEHAVIOUR,
  EXIT_AFTER_ANNOTATION,
  EXIT_CODE_ANNOTATION,
  parseHollowAnnotations,
  READY_AFTER_ANNOTATION,
  READY_ANNOTATION,
  STOP_EXIT_CODE_ANNOTATION,
} from './annotations';

describe('parseHollowAnnotations', () => {
  it.each<[string, Record<string, string> | undefined, object]>([
    ['no annotations', undefined, DEFAULT_BEHAVIOUR],
    ['exit code and time', { [EXIT_CODE_ANNOTATION]: '3', [EXIT_AFTER_ANNOTATION]: '5s' }, { exit: { code: 3, afterMs: 5000 } }],
    ['exit code alone exits at once', { [EXIT_CODE_ANNOTATION]: '1' }, { exit: { code: 1, afterMs: 0 } }],
    ['exit time alone exits 0', { [EXIT_AFTER_ANNOTATION]: '1m30s' }, { exit: { code: 0, afterMs: 90_000 } }],
    ['milliseconds', { [EXIT_AFTER_ANNOTATION]: '500ms' }, { exit: { code: 0, afterMs: 500 } }],
    ['not ready', { [READY_ANNOTATION]: 'false' }, { ready: false }],
    ['ready after', { [READY_AFTER_ANNOTATION]: '2s' }, { ready: true, readyAfterMs: 2000 }],
    ['stop exit code', { [STOP_EXIT_CODE_ANNOTATION]: '0' }, { stopExitCode: 0 }],
    ['other annotations are ignored', { 'example.com/x': 'y' }, DEFAULT_BEHAVIOUR],
  ])('%s', (_, annotations, expected) => {
    const { behaviour, errors } = parseHollowAnnotations(annotations);
    expect(errors).toEqual([]);
    expect(behaviour).toMatchObject(expected);
  });

  it.each<[Record<string, string>, string]>([
    [{ [EXIT_CODE_ANNOTATION]: '256' }, 'must be an integer from 0 to 255'],
    [{ [EXIT_CODE_ANNOTATION]: '-1' }, 'must be an integer from 0 to 255'],
    [{ [EXIT_AFTER_ANNOTATION]: '5' }, 'missing unit'],
    [{ [EXIT_AFTER_ANNOTATION]: 'soon' }, 'invalid duration'],
    [{ [READY_ANNOTATION]: 'yes' }, 'must be "true" or "false"'],
    [{ 'hollow.minik8s.io/exit-cod': '1' }, 'unknown hollow annotation'],
  ])('reports %o', (annotations, message) => {
    const { behaviour, errors } = parseHollowAnnotations(annotations);
    expect(errors.join()).toContain(message);
    expect(behaviour.exit).toBeUndefined();
  });

  it('drops the exit when either half is unreadable', () => {
    const { behaviour } = parseHollowAnnotations({ [EXIT_CODE_ANNOTATION]: '2', [EXIT_AFTER_ANNOTATION]: 'later' });
    expect(behaviour.exit).toBeUndefined();
  });
});

describe('documentation', () => {
  it('documents every annotation in --help and in the README', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const help = annotationsHelp();
    for (const [name] of ANNOTATIONS) {
      expect(help).toContain(name);
      expect(readme).toContain(`\`${name}\``);
    }
  });
});
