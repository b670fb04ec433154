import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../generated/meta/v1/meta';
import { type FieldError, formatFieldError, root } from './field-path';
import {
  configMapKeyMessages,
  dns1035LabelMessages,
  dns1123LabelMessages,
  dns1123SubdomainMessages,
  envVarNameMessages,
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidIPv4Address,
  isValidIPv6Address,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  type LabelSelectorLike,
  labelValueMessages,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  type NameValidator,
  parseCIDR,
  parseIP,
  portNameMessages,
  qualifiedNameMessages,
  regexError,
  validateAnnotations,
  validateLabelName,
  validateLabels,
  validateLabelSelector,
  validateNamespaceName,
  validateNonnegative,
  validateObjectMetaName,
} from './primitives';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
const ENV_MSG = "a valid environment variable name must consist only of printable ASCII characters other than '='";
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const f = root('f');
const texts = (errors: FieldError[]): string[] => errors.map(formatFieldError);

describe('regexError', () => {
  it.each<[string[], string]>([
    [[], "msg (regex used for validation is 're')"],
    [['a'], "msg (e.g. 'a', regex used for validation is 're')"],
    [['a', 'b'], "msg (e.g. 'a',  or 'b', regex used for validation is 're')"],
  ])('%o', (examples, text) => {
    expect(regexError('msg', 're', ...examples)).toBe(text);
  });
});

describe('DNS names', () => {
  it.each<[string, string[]]>([
    ['a', []],
    ['1', []],
    ['a.b', []],
    ['a-b.c-d', []],
    ['0.1.2', []],
    ['a'.repeat(253), []],
    ['a'.repeat(254), ['must be no more than 253 characters']],
    [`${'a'.repeat(254)}_`, ['must be no more than 253 characters', SUBDOMAIN_MSG]],
    ['', [SUBDOMAIN_MSG]],
    ['A', [SUBDOMAIN_MSG]],
    ['a..b', [SUBDOMAIN_MSG]],
    ['-a', [SUBDOMAIN_MSG]],
    ['a-', [SUBDOMAIN_MSG]],
    ['a.', [SUBDOMAIN_MSG]],
    ['a_b', [SUBDOMAIN_MSG]],
    ['ä', [SUBDOMAIN_MSG]],
    ['.a', [SUBDOMAIN_MSG]],
    ['a.-b', [SUBDOMAIN_MSG]],
    ['a-.b', [SUBDOMAIN_MSG]],
    ['a.b.', [SUBDOMAIN_MSG]],
    ['-', [SUBDOMAIN_MSG]],
  ])('subdomain %j', (value, messages) => {
    expect(dns1123SubdomainMessages(value)).toEqual(messages);
    expect(texts(isDNS1123Subdomain(value, f))).toEqual(messages.map((m) => `f: Invalid value: "${value}": ${m}`));
  });

  it.each<[string, string[]]>([
    ['a', []],
    ['a-1', []],
    ['1a', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['a.b', ['must not contain dots']],
    [`${'a'.repeat(30)}.${'a'.repeat(40)}`, ['must be no more than 63 characters', 'must not contain dots']],
    ['', [LABEL_MSG]],
    ['A', [LABEL_MSG]],
    ['a_b', [LABEL_MSG]],
    ['a.', [LABEL_MSG]],
    ['a-', [LABEL_MSG]],
    ['-', [LABEL_MSG]],
    ['a\n', [LABEL_MSG]],
    ['a--b', []],
  ])('label %j', (value, messages) => {
    expect(dns1123LabelMessages(value)).toEqual(messages);
    expect(isDNS1123Label(value, f)).toHaveLength(messages.length);
  });

  it.each<[string, string[]]>([
    ['a', []],
    ['a1', []],
    ['a-b', []],
    ['1a', [DNS1035_MSG]],
    ['a-', [DNS1035_MSG]],
    ['a.b', [DNS1035_MSG]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('DNS-1035 label %j', (value, messages) => {
    expect(dns1035LabelMessages(value)).toEqual(messages);
    expect(isDNS1035Label(value, f)).toHaveLength(messages.length);
  });
});

describe('qualified names and label values', () => {
  it.each<[string, string[]]>([
    ['a', []],
    ['A.b-c_d', []],
    ['MyName', []],
    ['a/b', []],
    ['example.com/MyName', []],
    ['k8s.io/a.b', []],
    ['', ['name part must be non-empty', `name part ${QNAME_MSG}`]],
    ['-a', [`name part ${QNAME_MSG}`]],
    ['a_', [`name part ${QNAME_MSG}`]],
    ['_a', [`name part ${QNAME_MSG}`]],
    ['.a', [`name part ${QNAME_MSG}`]],
    ['a.', [`name part ${QNAME_MSG}`]],
    ['a\n', [`name part ${QNAME_MSG}`]],
    ['a..__--b', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    ['/a', ['prefix part must be non-empty']],
    ['a/', ['name part must be non-empty', `name part ${QNAME_MSG}`]],
    ['Example.com/a', [`prefix part ${SUBDOMAIN_MSG}`]],
    [`${'a'.repeat(254)}/a`, ['prefix part must be no more than 253 characters']],
    [
      'a/b/c',
      [
        `a qualified name ${QNAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
  ])('qualified name %j', (value, messages) => {
    expect(qualifiedNameMessages(value)).toEqual(messages);
    expect(isQualifiedName(value, f)).toHaveLength(messages.length);
    expect(validateLabelName(value, f)).toEqual(isQualifiedName(value, f));
  });

  it.each<[string, string[]]>([
    ['', []],
    ['a', []],
    ['A-b_c.d', []],
    ['12345', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['-a', [LABEL_VALUE_MSG]],
    ['a b', [LABEL_VALUE_MSG]],
    ['a/b', [LABEL_VALUE_MSG]],
    ['_', [LABEL_VALUE_MSG]],
    ['a.', [LABEL_VALUE_MSG]],
    ['a\n', [LABEL_VALUE_MSG]],
  ])('label value %j', (value, messages) => {
    expect(labelValueMessages(value)).toEqual(messages);
    expect(isValidLabelValue(value, f)).toHaveLength(messages.length);
  });
});

describe('validateLabels', () => {
  const path = root('metadata', 'labels');
  it.each<[Record<string, string> | undefined, string[]]>([
    [undefined, []],
    [{}, []],
    [{ app: 'web', 'example.com/tier': '' }, []],
    [{ '-a': 'b' }, [`metadata.labels: Invalid value: "-a": name part ${QNAME_MSG}`]],
    [{ a: '-b' }, [`metadata.labels: Invalid value: "-b": ${LABEL_VALUE_MSG}`]],
    [
      { '-a': '-b' },
      [
        `metadata.labels: Invalid value: "-a": name part ${QNAME_MSG}`,
        `metadata.labels: Invalid value: "-b": ${LABEL_VALUE_MSG}`,
      ],
    ],
  ])('%o', (labels, expected) => {
    expect(texts(validateLabels(labels, path))).toEqual(expected);
  });
});

describe('validateAnnotations', () => {
  const path = root('metadata', 'annotations');
  it.each<[Record<string, string> | undefined, string[]]>([
    [undefined, []],
    [{ 'Example.com/Foo': 'anything at all: {"json": true}' }, []],
    [{ a: 'x'.repeat(256 * 1024 - 1) }, []],
    [
      { 'a/b/c': '' },
      [
        `metadata.annotations: Invalid value: "a/b/c": a qualified name ${QNAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
    // the key is checked in lower case but reported as written
    [{ 'Bad_Prefix/a': '' }, [`metadata.annotations: Invalid value: "Bad_Prefix/a": prefix part ${SUBDOMAIN_MSG}`]],
    [{ a: 'x'.repeat(256 * 1024) }, ['metadata.annotations: Too long: must have at most 262144 bytes']],
    // sizes are bytes, not characters
    [{ a: 'é'.repeat(128 * 1024) }, ['metadata.annotations: Too long: must have at most 262144 bytes']],
  ])('%#', (annotations, expected) => {
    expect(texts(validateAnnotations(annotations, path))).toEqual(expected);
  });
});

describe('ports', () => {
  it.each<[number, boolean]>([
    [1, true],
    [80, true],
    [65535, true],
    [0, false],
    [65536, false],
    [-1, false],
    [1.5, false],
    [Number.NaN, false],
  ])('port number %d → valid %s', (port, valid) => {
    const errors = texts(isValidPortNum(port, f));
    expect(errors).toEqual(valid ? [] : [`f: Invalid value: ${port}: must be between 1 and 65535, inclusive`]);
  });

  it.each<[string, string[]]>([
    ['http', []],
    ['h-t-t-p', []],
    ['a', []],
    ['a1', []],
    ['abcdefghijklmno', []],
    ['abcdefghijklmnop', ['must be no more than 15 characters']],
    ['123', ['must contain at least one letter (a-z)']],
    ['HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['http_1', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    ['-http', ['must not begin or end with a hyphen']],
    ['http-', ['must not begin or end with a hyphen']],
    ['ht--tp', ['must not contain consecutive hyphens']],
    ['', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
  ])('port name %j', (name, messages) => {
    expect(portNameMessages(name)).toEqual(messages);
    expect(isValidPortName(name, f)).toHaveLength(messages.length);
  });
});

describe('IP addresses', () => {
  it.each([
    '1.2.3.4',
    '0.0.0.0',
    '255.255.255.255',
    '010.001.1.1',
    '::',
    '::1',
    '1::',
    '2001:db8::ffff',
    'FE80::1',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:1.2.3.4',
    '::ffff:1.2.3.4',
    '::1.2.3.4',
    '0:0:0:0:0:0:0:0',
  ])('valid %j', (ip) => {
    expect(isValidIP(ip, f)).toEqual([]);
    expect(parseIP(ip)).not.toBeNull();
  });

  it.each([
    '',
    '1',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.-4',
    '1..2.3',
    'a.b.c.d',
    ' 1.2.3.4',
    '1.2.3.4/24',
    ':',
    ':::',
    '1:',
    ':1',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '1:2:3:4:5:6:7:1.2.3.4',
    '12345::',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    'g::1',
  ])('invalid %j', (ip) => {
    expect(texts(isValidIP(ip, f))).toEqual([`f: Invalid value: "${ip}": ${IP_MSG}`]);
    expect(parseIP(ip)).toBeNull();
  });

  it('parses to bytes', () => {
    expect(parseIP('10.0.0.1')).toEqual({ family: 4, bytes: new Uint8Array([10, 0, 0, 1]) });
    expect(parseIP('::ffff:1.2.3.4')).toEqual({
      family: 6,
      bytes: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]),
    });
    expect(parseIP('2001:db8::1')?.bytes).toEqual(
      new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    );
  });

  it.each<[string, boolean, boolean]>([
    ['1.2.3.4', true, false],
    ['::ffff:1.2.3.4', true, false],
    ['::1', false, true],
    ['2001:db8::', false, true],
    ['nope', false, false],
  ])('%j: IPv4 %s, IPv6 %s', (ip, v4, v6) => {
    expect(texts(isValidIPv4Address(ip, f))).toEqual(v4 ? [] : [`f: Invalid value: "${ip}": must be a valid IPv4 address`]);
    expect(texts(isValidIPv6Address(ip, f))).toEqual(v6 ? [] : [`f: Invalid value: "${ip}": must be a valid IPv6 address`]);
  });
});

describe('CIDRs', () => {
  it.each(['10.0.0.0/8', '10.0.0.1/8', '0.0.0.0/0', '1.2.3.4/32', '10.244.0.0/16', '10.0.0.0/08', '::/0', '2001:db8::/64', '::ffff:1.2.3.4/128'])(
    'valid %j',
    (cidr) => {
      expect(isValidCIDR(cidr, f)).toEqual([]);
    },
  );

  it.each(['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/', '/8', '10.0.0.0/8/8', '10.0.0.0/ 8', 'abc/8', '10.0.0/8'])(
    'invalid %j',
    (cidr) => {
      expect(texts(isValidCIDR(cidr, f))).toEqual([`f: Invalid value: "${cidr}": ${CIDR_MSG}`]);
      expect(parseCIDR(cidr)).toBeNull();
    },
  );

  it('keeps host bits and the prefix length', () => {
    expect(parseCIDR('10.0.0.1/8')).toEqual({ ip: { family: 4, bytes: new Uint8Array([10, 0, 0, 1]) }, prefixLength: 8 });
    expect(parseCIDR('::ffff:1.2.3.4/120')?.ip.family).toBe(6);
  });
});

describe('small formats', () => {
  it.each<[string, boolean]>([
    ['0%', true],
    ['1%', true],
    ['100%', true],
    ['%', false],
    ['1', false],
    ['1.5%', false],
    ['-1%', false],
    ['a%', false],
  ])('percent %j → %s', (value, valid) => {
    const msg =
      "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
    expect(texts(isValidPercent(value, f))).toEqual(valid ? [] : [`f: Invalid value: "${value}": ${msg}`]);
  });

  it.each<[number | bigint, string[]]>([
    [0, []],
    [5, []],
    [0n, []],
    [-1, ['f: Invalid value: -1: must be greater than or equal to 0']],
    [-3n, ['f: Invalid value: -3: must be greater than or equal to 0']],
  ])('nonnegative %s', (value, expected) => {
    expect(texts(validateNonnegative(value, f))).toEqual(expected);
  });

  it.each<[string, boolean]>([
    ['a', true],
    ['_a', true],
    ['A_1', true],
    ['1a', false],
    ['a-b', false],
    ['a.b', false],
    ['', false],
  ])('C identifier %j → %s', (value, valid) => {
    const msg =
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')";
    expect(texts(isCIdentifier(value, f))).toEqual(valid ? [] : [`f: Invalid value: "${value}": ${msg}`]);
  });

  it.each<[string, string[]]>([
    ['A', []],
    ['my.env-name', []],
    ['1ABC', []],
    ['a b', []],
    ['!@#$%^&*()~', []],
    ['', ['environment variable name must be non-empty']],
    ['a=b', [ENV_MSG]],
    ['a==b', [ENV_MSG]],
    ['é', [ENV_MSG]],
    ['a\tb', [ENV_MSG]],
    ['a\x7f', [ENV_MSG]],
  ])('env var name %j', (value, messages) => {
    expect(envVarNameMessages(value)).toEqual(messages);
    expect(isEnvVarName(value, f)).toHaveLength(messages.length);
  });

  it.each<[string, string[]]>([
    ['key.name', []],
    ['KEY_NAME', []],
    ['key-name', []],
    ['.dotfile', []],
    ['a..b', []],
    ['.', ["must not be '.'"]],
    ['..', ["must not be '..'"]],
    ['..a', ["must not start with '..'"]],
    ['a/b', [CONFIG_KEY_MSG]],
    ['', [CONFIG_KEY_MSG]],
    ['a'.repeat(253), []],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ])('config map key %j', (value, messages) => {
    expect(configMapKeyMessages(value)).toEqual(messages);
    expect(isConfigMapKey(value, f)).toHaveLength(messages.length);
  });
});

describe('validateLabelSelector', () => {
  const path = root('spec', 'selector');
  const expr0 = 'spec.selector.matchExpressions[0]';
  it.each<[LabelSelectorLike | null | undefined, string[]]>([
    [null, []],
    [undefined, []],
    [{}, []],
    [{ matchLabels: { app: 'web' } }, []],
    [
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'NotIn', values: ['y', ''] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist', values: [] },
        ],
      },
      [],
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      [`${expr0}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`],
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      [`${expr0}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`],
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      [`${expr0}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`],
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] },
      [`${expr0}.operator: Invalid value: "in": not a valid selector operator`],
    ],
    [{ matchExpressions: [{ key: 'a' }] }, [`${expr0}.operator: Invalid value: "": not a valid selector operator`]],
    [
      { matchExpressions: [{ key: '-a', operator: 'Exists' }] },
      [`${expr0}.key: Invalid value: "-a": name part ${QNAME_MSG}`],
    ],
    [
      { matchExpressions: [{ operator: 'Exists' }] },
      [`${expr0}.key: Invalid value: "": name part must be non-empty`, `${expr0}.key: Invalid value: "": name part ${QNAME_MSG}`],
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', '-bad'] }] },
      [`${expr0}.values[1]: Invalid value: "-bad": ${LABEL_VALUE_MSG}`],
    ],
    [
      { matchExpressions: [{ key: '-a', operator: 'Bogus', values: ['-b'] }] },
      [
        `${expr0}.operator: Invalid value: "Bogus": not a valid selector operator`,
        `${expr0}.key: Invalid value: "-a": name part ${QNAME_MSG}`,
        `${expr0}.values[0]: Invalid value: "-b": ${LABEL_VALUE_MSG}`,
      ],
    ],
    [{ matchLabels: { '-a': 'b' } }, [`spec.selector.matchLabels: Invalid value: "-a": name part ${QNAME_MSG}`]],
  ])('%j', (selector, expected) => {
    expect(texts(validateLabelSelector(selector, path))).toEqual(expected);
  });

  it('can let stored objects keep invalid values', () => {
    const selector = { matchExpressions: [{ key: 'a', operator: 'In', values: ['-bad'] }] };
    expect(validateLabelSelector(selector, path, { allowInvalidLabelValueInSelector: true })).toEqual([]);
  });

  it('accepts the generated metav1.LabelSelector type', () => {
    const generated: LabelSelector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'Exists', values: [] }] };
    expect(validateLabelSelector(generated, path)).toEqual([]);
  });
});

describe('object names', () => {
  const meta = root('metadata');
  it.each<[string, { name?: string; generateName?: string }, NameValidator, string[]]>([
    ['plain name', { name: 'foo' }, nameIsDNSSubdomain, []],
    ['dotted name', { name: 'foo.bar' }, nameIsDNSSubdomain, []],
    ['bad name', { name: 'Foo' }, nameIsDNSSubdomain, [`metadata.name: Invalid value: "Foo": ${SUBDOMAIN_MSG}`]],
    ['no name', {}, nameIsDNSSubdomain, ['metadata.name: Required value: name or generateName is required']],
    ['empty name', { name: '' }, nameIsDNSSubdomain, ['metadata.name: Required value: name or generateName is required']],
    ['generateName with dash', { generateName: 'foo-' }, nameIsDNSSubdomain, []],
    ['generateName without dash', { generateName: 'foo' }, nameIsDNSSubdomain, []],
    ['short generateName', { generateName: 'a-' }, nameIsDNSSubdomain, []],
    // Kubernetes' mask drops the character before the dash, so this prefix passes.
    ['generateName ending ".-"', { generateName: 'foo.-' }, nameIsDNSSubdomain, []],
    [
      'bad generateName',
      { generateName: 'Foo-' },
      nameIsDNSSubdomain,
      [`metadata.generateName: Invalid value: "Foo-": ${SUBDOMAIN_MSG}`],
    ],
    ['lone dash', { generateName: '-' }, nameIsDNSSubdomain, [`metadata.generateName: Invalid value: "-": ${SUBDOMAIN_MSG}`]],
    [
      'both set, only the prefix bad',
      { name: 'foo-abcde', generateName: 'Foo-' },
      nameIsDNSSubdomain,
      [`metadata.generateName: Invalid value: "Foo-": ${SUBDOMAIN_MSG}`],
    ],
    ['label name with dots', { name: 'a.b' }, nameIsDNSLabel, ['metadata.name: Invalid value: "a.b": must not contain dots']],
    ['label generateName', { generateName: 'kube-' }, nameIsDNSLabel, []],
    ['DNS-1035 name', { name: '1abc' }, nameIsDNS1035Label, [`metadata.name: Invalid value: "1abc": ${DNS1035_MSG}`]],
    ['DNS-1035 generateName', { generateName: 'svc-' }, nameIsDNS1035Label, []],
  ])('%s', (_label, objectMeta, nameFn, expected) => {
    expect(texts(validateObjectMetaName(objectMeta, nameFn, meta))).toEqual(expected);
  });

  it('validates namespace names as DNS labels', () => {
    expect(validateNamespaceName('kube-system', false)).toEqual([]);
    expect(validateNamespaceName('a.b', false)).toEqual(['must not contain dots']);
  });
});
