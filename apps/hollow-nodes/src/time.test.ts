import { describe, expect, it } from 'vitest';
import { formatMicroTime, formatTime } from './time';

describe('timestamps', () => {
  const ms = Date.parse('2026-01-02T03:04:05.123Z');
  it('writes metav1.Time in whole seconds', () => expect(formatTime(ms)).toBe('2026-01-02T03:04:05Z'));
  it('writes metav1.MicroTime with microseconds', () => expect(formatMicroTime(ms)).toBe('2026-01-02T03:04:05.123000Z'));
});
