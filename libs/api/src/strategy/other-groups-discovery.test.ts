import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '../generated/discovery/v1';
import { FieldPath, formatFieldError } from '../validation/field-path';
import { applyEndpointSliceDefaults, endpointSliceStrategy, validateEndpointIP, validateFullyQualifiedDomainName } from './other-groups-discovery';

function slice(fields: Omit<EndpointSlice, 'metadata'>): EndpointSlice {
  const s: EndpointSlice = { metadata: { name: 'web-abc', namespace: 'default' }, ...fields };
  applyEndpointSliceDefaults(s);
  return s;
}

const errorsOf = (s: EndpointSlice): string[] => (endpointSliceStrategy.validate?.(s) ?? []).map(formatFieldError);

describe('EndpointSlice', () => {
  it('defaults port names and protocols', () => {
    const s = slice({ addressType: 'IPv4', ports: [{ port: 80 }, { name: 'dns', protocol: 'UDP', port: 53 }] });
    expect(s.ports).toEqual([
      { port: 80, name: '', protocol: 'TCP' },
      { name: 'dns', protocol: 'UDP', port: 53 },
    ]);
  });

  it.each<[string, EndpointSlice, string[]]>([
    ['valid IPv4', slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'], nodeName: 'node-a', hostname: 'web-0' }] }), []],
    ['valid IPv6', slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fd00::5'] }] }), []],
    ['valid FQDN', slice({ addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com.'] }] }), []],
    ['no address type', slice({}), ['addressType: Required value']],
    ['unknown address type', slice({ addressType: 'IPX' }), ['addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"']],
    [
      'an endpoint without addresses',
      slice({ addressType: 'IPv4', endpoints: [{ addresses: [] }] }),
      ['endpoints[0].addresses: Required value: must contain at least 1 address'],
    ],
    [
      'more than 100 addresses',
      slice({ addressType: 'IPv4', endpoints: [{ addresses: Array.from({ length: 101 }, (_, i) => `10.0.${i >> 8}.${(i & 255) + 1}`) }] }),
      ['endpoints[0].addresses: Too many: 101: must have at most 100 items'],
    ],
    [
      'addresses of the wrong family and nonsensical ones',
      slice({ addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1', '127.0.0.1', '169.254.1.1', '0.0.0.0', 'ten'] }] }),
      [
        'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
        'endpoints[0].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'endpoints[0].addresses[2]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        'endpoints[0].addresses[3]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
        'endpoints[0].addresses[4]: Invalid value: "ten": must be a valid IPv4 address',
        'endpoints[0].addresses[4]: Invalid value: "ten": must be a valid IP address',
      ],
    ],
    [
      'IPv6 addresses',
      slice({ addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1', '::1', 'ff02::1'] }] }),
      [
        'endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address',
        'endpoints[0].addresses[1]: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'endpoints[0].addresses[2]: Invalid value: "ff02::1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
      ],
    ],
    [
      'FQDN addresses',
      slice({ addressType: 'FQDN', endpoints: [{ addresses: ['localhost', 'Bad_Host.example.com'] }] }),
      [
        'endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
        "endpoints[0].addresses[1]: Invalid value: \"Bad_Host.example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    [
      'node name, hostname and hints',
      slice({
        addressType: 'IPv4',
        endpoints: [
          {
            addresses: ['10.0.0.1'],
            nodeName: 'Node_A',
            hostname: 'web.0',
            hints: { forZones: [{ name: 'a' }, { name: 'a' }], forNodes: [{ name: 'n1' }, { name: 'n1' }] },
          },
        ],
      }),
      [
        "endpoints[0].nodeName: Invalid value: \"Node_A\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'endpoints[0].hostname: Invalid value: "web.0": must not contain dots',
        'endpoints[0].hints.forZones[1].name: Duplicate value: "a"',
        'endpoints[0].hints.forNodes[1].name: Duplicate value: "n1"',
      ],
    ],
    [
      'ports',
      slice({
        addressType: 'IPv4',
        ports: [
          { name: 'http', port: 80 },
          { name: 'http', port: 81 },
          { name: 'Web', protocol: 'HTTP', port: 82 },
          { name: 'grpc', appProtocol: 'not a protocol', port: 83 },
        ],
      }),
      [
        'ports[1].name: Duplicate value: "http"',
        "ports[2].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        "ports[3].appProtocol: Invalid value: \"not a protocol\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
  ])('%s', (_name, s, errors) => {
    expect(errorsOf(s)).toEqual(errors);
  });

  it('keeps the address type on update', () => {
    const old = slice({ addressType: 'IPv4' });
    expect((endpointSliceStrategy.validateUpdate?.(slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.2'] }] }), old) ?? []).map(formatFieldError)).toEqual([]);
    expect((endpointSliceStrategy.validateUpdate?.(slice({ addressType: 'IPv6' }), old) ?? []).map(formatFieldError)).toEqual([
      'addressType: Invalid value: "IPv6": field is immutable',
    ]);
  });

  it('treats IPv4-mapped IPv6 loopback as loopback', () => {
    expect(validateEndpointIP('::ffff:127.0.0.1', FieldPath.root('ip')).map(formatFieldError)).toEqual([
      'ip: Invalid value: "::ffff:127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
  });

  it('requires a non-empty FQDN', () => {
    expect(validateFullyQualifiedDomainName('', FieldPath.root('a')).map(formatFieldError)).toEqual(['a: Required value']);
  });
});
