import { describe, expect, it } from 'vitest';
import type { Event } from '../generated/core/v1';
import { formatFieldError } from '../validation/field-path';
import { eventStrategy } from './core-v1-event';

describe('Event', () => {
  const base: Event = {
    metadata: { name: 'web.1', namespace: 'shop' },
    involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web' },
    reason: 'Started',
    message: 'Started container',
  };

  it.each([
    ['a legacy event', {}, []],
    ['no involved object', { involvedObject: undefined }, ['involvedObject: Required value', 'involvedObject.namespace: Invalid value: "": does not match event.namespace']],
    [
      'an involved object in another namespace',
      { involvedObject: { kind: 'Pod', namespace: 'other', name: 'web' } },
      ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    ],
    [
      'a new-style event without reporting fields',
      { eventTime: '2026-01-02T03:04:05.000000Z', reason: '' },
      [
        'reportingController: Required value',
        'reportingController: Invalid value: "": name part must be non-empty',
        "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
          "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'reportingInstance: Required value',
        'action: Required value',
        'reason: Required value',
      ],
    ],
    [
      'a new-style event with reporting fields',
      { eventTime: '2026-01-02T03:04:05.000000Z', reportingComponent: 'kubelet', reportingInstance: 'worker-1', action: 'Start' },
      [],
    ],
  ])('validates %s', (_name, change: Partial<Event>, expected) => {
    expect(eventStrategy.validate?.({ ...base, ...change }).map(formatFieldError)).toEqual(expected);
  });
});
