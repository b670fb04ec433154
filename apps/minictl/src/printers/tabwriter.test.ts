import { describe, expect, it } from 'vitest';
import { formatTable, TabWriter } from './tabwriter';

describe('TabWriter', () => {
  it('pads every column but the last to its widest cell plus three spaces', () => {
    const text = formatTable('NAME\tREADY\tSTATUS\nkubia\t1/1\tRunning\nkubia-long-name\t0/1\tPending\n');
    expect(text).toBe(
      'NAME              READY   STATUS\n' +
      'kubia             1/1     Running\n' +
      'kubia-long-name   0/1     Pending\n',
    );
  });

  it('aligns blocks separately when a line without tabs separates them', () => {
    const text = new TabWriter({ padding: 2 }).format('Name:\tkubia\nService Account:\tdefault\nIPs:\n  IP:\t10.0.0.1\n');
    expect(text).toBe('Name:             kubia\nService Account:  default\nIPs:\n  IP:  10.0.0.1\n');
  });

  it('aligns nested columns only across the lines that have them', () => {
    const text = new TabWriter({ padding: 2 }).format('Port:\t<unset>\t80/TCP\nTargetPort:\t8080/TCP\n');
    expect(text).toBe('Port:        <unset>  80/TCP\nTargetPort:  8080/TCP\n');
  });

  it('keeps empty cells as padding', () => {
    expect(formatTable('A\tB\tC\n\t\tx\n')).toBe('A   B   C\n        x\n');
  });

  it('remembers widths across calls when asked, so watch rows line up', () => {
    const w = new TabWriter({ padding: 3, rememberWidths: true });
    expect(w.format('NAME\tAGE\nkubia-long\t1s\n')).toBe('NAME         AGE\nkubia-long   1s\n');
    expect(w.format('a\t2s\n')).toBe('a            2s\n');
    const fresh = new TabWriter({ padding: 3 });
    fresh.format('NAME\tAGE\nkubia-long\t1s\n');
    expect(fresh.format('a\t2s\n')).toBe('a   2s\n');
  });

  it('counts characters, not bytes', () => {
    expect(formatTable('é\tx\nab\ty\n')).toBe('é    x\nab   y\n');
  });
});
