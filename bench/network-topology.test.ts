import { describe, expect, it } from 'vitest';
import { parseTcpExt } from './network-topology';

// The shape of /proc/net/netstat: per section, a line of names and a line of values.
const NETSTAT = `TcpExt: SyncookiesSent SyncookiesRecv TW PAWSActive PAWSTimewait TCPSynRetrans
TcpExt: 0 0 28882 0 1737 1737
IpExt: InNoRoutes InTruncatedPkts InMcastPkts
IpExt: 5 0 12
`;

describe('parseTcpExt', () => {
  it('pairs each TcpExt name with its value and ignores the other sections', () => {
    const counters = parseTcpExt(NETSTAT);
    expect(counters.get('PAWSTimewait')).toBe(1737);
    expect(counters.get('TW')).toBe(28882);
    expect(counters.get('TCPSynRetrans')).toBe(1737);
    expect(counters.has('InNoRoutes')).toBe(false);
    expect(counters.size).toBe(6);
  });

  it('gives nothing for text without the TcpExt section', () => {
    expect(parseTcpExt('IpExt: InNoRoutes\nIpExt: 5\n').size).toBe(0);
  });
});
