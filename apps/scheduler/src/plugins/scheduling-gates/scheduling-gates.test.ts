import { describe, expect, it } from 'vitest';
import { makePod } from '../../testing/wrappers';
import { SchedulingGates } from './scheduling-gates';

describe('SchedulingGates', () => {
  const cases = [
    { name: 'no gates', pod: makePod('p').obj(), want: undefined },
    { name: 'one gate', pod: makePod('p').schedulingGates('example.com/wait').obj(), want: 'waiting for scheduling gates: [example.com/wait]' },
    { name: 'two gates', pod: makePod('p').schedulingGates('a', 'b').obj(), want: 'waiting for scheduling gates: [a b]' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const status = new SchedulingGates().preEnqueue(c.pod);
      expect(status?.message()).toBe(c.want);
      if (status) expect(status.codeName()).toBe('UnschedulableAndUnresolvable');
    });
  }
});
