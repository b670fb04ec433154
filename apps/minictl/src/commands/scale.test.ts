import { describe, expect, it } from 'vitest';
import { contextFor } from '../test-context';
import { checkPrecondition, PreconditionError, scaleCommand, scaleOptions } from './scale';

describe('checkPrecondition', () => {
  const scale = { metadata: { resourceVersion: '42' }, spec: { replicas: 3 } };

  it('passes when the current size and resourceVersion are the expected ones', () => {
    expect(() => checkPrecondition({ size: 3, resourceVersion: '42' }, scale)).not.toThrow();
    expect(() => checkPrecondition({ size: -1, resourceVersion: '' }, scale)).not.toThrow();
  });

  it('says what was expected and what was found, in kubectl\'s words', () => {
    expect(() => checkPrecondition({ size: 2, resourceVersion: '' }, scale)).toThrow(new PreconditionError('replicas', '2', '3'));
    expect(() => checkPrecondition({ size: 2, resourceVersion: '' }, scale)).toThrow('Expected replicas to be 2, was 3');
    expect(() => checkPrecondition({ size: -1, resourceVersion: '7' }, scale)).toThrow('Expected resource version to be 7, was 42');
  });
});

describe('scaleOptions', () => {
  it('reads --replicas, the preconditions and --timeout', () => {
    expect(scaleOptions(contextFor(scaleCommand, ['deploy/web', '--replicas=3']))).toEqual({ replicas: 3, precondition: undefined, timeoutMs: 0 });
    expect(scaleOptions(contextFor(scaleCommand, ['deploy/web', '--replicas', '0', '--current-replicas=2', '--timeout=1m']))).toEqual({
      replicas: 0,
      precondition: { size: 2, resourceVersion: '' },
      timeoutMs: 60_000,
    });
    expect(scaleOptions(contextFor(scaleCommand, ['deploy/web', '--replicas=1', '--resource-version=9'])).precondition).toEqual({ size: -1, resourceVersion: '9' });
  });

  it('requires --replicas, not negative, and --current-replicas of -1 or more', () => {
    expect(() => scaleOptions(contextFor(scaleCommand, ['deploy/web']))).toThrow('required flag(s) "replicas" not set');
    expect(() => scaleOptions(contextFor(scaleCommand, ['deploy/web', '--replicas=-2']))).toThrow('COUNT must be greater than or equal to 0');
    expect(() => scaleOptions(contextFor(scaleCommand, ['deploy/web', '--replicas=1', '--current-replicas=-3']))).toThrow('The --current-replicas must specify an integer of -1 or greater');
  });
});
