import { describe, expect, it } from 'vitest';
import { hairpinOnArgs, isHairpinMode, isPromiscuous, linkEventConcerns, parseBridgePorts } from './hairpin';

const PORTS = [
  '7417: veth1cdd591@if7416: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br-f70798608891 state UP mode DEFAULT group default \\    link/ether 9e:e7:80:4f:0d:28 brd ff:ff:ff:ff:ff:ff link-netnsid 0 promiscuity 1 \\    veth \\    bridge_slave state forwarding priority 32 cost 2 hairpin off guard off root_block off fastleave off learning on',
  '7420: vethab12cd3@if7419: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br-f70798608891 state UP mode DEFAULT group default \\    veth \\    bridge_slave state forwarding priority 32 cost 2 hairpin on guard off',
  '',
].join('\n');

describe('hairpin', () => {
  it('knows Kubernetes\' modes', () => {
    expect(['hairpin-veth', 'promiscuous-bridge', 'none'].every(isHairpinMode)).toBe(true);
    expect(isHairpinMode('veth')).toBe(false);
  });

  it('parses the bridge ports and their hairpin flag', () => {
    expect(parseBridgePorts(PORTS)).toEqual([
      { name: 'veth1cdd591', hairpin: false },
      { name: 'vethab12cd3', hairpin: true },
    ]);
    expect(parseBridgePorts('')).toEqual([]);
  });

  it('sets hairpin through netlink, not sysfs', () => {
    expect(hairpinOnArgs('veth1')).toEqual(['link', 'set', 'dev', 'veth1', 'type', 'bridge_slave', 'hairpin', 'on']);
  });

  it('reads the PROMISC flag', () => {
    expect(isPromiscuous('6124: br-1: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP> mtu 1500')).toBe(true);
    expect(isPromiscuous('6124: br-1: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 promiscuity 0')).toBe(false);
  });

  it('wakes up only for link events about the pod bridge', () => {
    const joined = '7417: veth1cdd591@if7416: <BROADCAST,MULTICAST> mtu 1500 master br-f70798608891 state DOWN';
    expect(linkEventConcerns(joined, 'br-f70798608891')).toBe(true);
    expect(linkEventConcerns(joined, 'br-000000000000')).toBe(false);
    expect(linkEventConcerns('Deleted 6124: br-f70798608891: <BROADCAST,MULTICAST> mtu 1500', 'br-f70798608891')).toBe(true);
    expect(linkEventConcerns('12: eth1: <BROADCAST> mtu 1500 state UP', 'br-f70798608891')).toBe(false);
    // Before the bridge is known, any port joining a bridge may be the first of ours.
    expect(linkEventConcerns(joined, undefined)).toBe(true);
    expect(linkEventConcerns('12: eth1: <BROADCAST> mtu 1500 state UP', undefined)).toBe(false);
  });
});
