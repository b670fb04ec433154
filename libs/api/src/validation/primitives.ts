/**
 * apimachinery's format validators (`util/validation`, `api/validation`,
 * `apis/meta/v1/validation`), with Kubernetes' messages word for word.
 *
 * Two layers, as in Kubernetes: `*Messages` functions return the bare reasons
 * (callers such as name validators prefix or wrap them), and the path-taking
 * functions wrap each reason in a FieldError. Lengths are UTF-8 byte counts,
 * because that is what Go's `len` measures.
 *
 * The texts follow Kubernetes 1.2x–1.33 (`must be no more than 63 characters`,
 * `a qualified name ...`); later releases reword a few of them.
 */
import { type FieldError, type FieldPath, forbidden, invalid, required, tooLong } from './field-path';

// ---------------------------------------------------------------------------
// Message builders

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** `msg (e.g. 'a',  or 'b', regex used for validation is '...')` — the double space is Kubernetes'. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((example, i) => {
    if (i > 0) out += ' or ';
    out += `'${example}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

export function emptyError(): string {
  return 'must be non-empty';
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one code point of four bytes; a lone surrogate counts as three, as before.
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function wrap(path: FieldPath, value: unknown, messages: readonly string[]): FieldError[] {
  return messages.map((m) => invalid(path, value, m));
}

// ---------------------------------------------------------------------------
// DNS names

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_LABEL_MAX_LENGTH = 63;

// Char loops for the formats every write checks (names, namespaces, label keys and values); each
// accepts exactly what its regular expression above accepts, without running a regex per field.

function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** `[a-z0-9]([-a-z0-9]*[a-z0-9])?` over s[from, to). */
function matchesDNS1123Label(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isLowerAlnum(c) && !(c === 0x2d && i > from && i < to - 1)) return false;
  }
  return true;
}

/** DNS1123_SUBDOMAIN_FMT: dot-separated DNS-1123 labels. */
function matchesDNS1123Subdomain(s: string): boolean {
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === 0x2e) {
      if (!matchesDNS1123Label(s, start, i)) return false;
      start = i + 1;
    }
  }
  return true;
}

/** QNAME_FMT: `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`. */
function matchesQualifiedNamePart(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isAlnum(c)) continue;
    if (i === 0 || i === n - 1 || !(c === 0x2d || c === 0x5f || c === 0x2e)) return false;
  }
  return true;
}

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035_LABEL_MAX_LENGTH = 63;
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

export function dns1123LabelMessages(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!matchesDNS1123Label(value, 0, value.length)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    if (matchesDNS1123Subdomain(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1123SubdomainMessages(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!matchesDNS1123Subdomain(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

export function dns1035LabelMessages(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(regexError(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

export function isDNS1123Label(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, dns1123LabelMessages(value));
}

export function isDNS1123Subdomain(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, dns1123SubdomainMessages(value));
}

export function isDNS1035Label(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, dns1035LabelMessages(value));
}

// ---------------------------------------------------------------------------
// Qualified names (label and annotation keys) and label values

const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const QUALIFIED_NAME_MAX_LENGTH = 63;

const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LABEL_VALUE_MAX_LENGTH = 63;

/** Kubernetes' IsQualifiedName: `[prefix/]name`, prefix a DNS subdomain, name at most 63 characters. */
export function qualifiedNameMessages(value: string): string[] {
  const errs: string[] = [];
  const slash = value.indexOf('/');
  let name: string;
  if (slash < 0) {
    name = value;
  } else if (value.indexOf('/', slash + 1) < 0) {
    const prefix = value.slice(0, slash);
    name = value.slice(slash + 1);
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const m of dns1123SubdomainMessages(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(QNAME_ERR, QNAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (utf8Length(name) > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!matchesQualifiedNamePart(name)) errs.push(`name part ${regexError(QNAME_ERR, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function labelValueMessages(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (value.length > 0 && !matchesQualifiedNamePart(value)) {
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

export function isQualifiedName(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, qualifiedNameMessages(value));
}

export function isValidLabelValue(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, labelValueMessages(value));
}

/** A label key; metav1's ValidateLabelName. */
export function validateLabelName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name, path);
}

/** Every key and value of a label map. Errors point at the map itself, as in Kubernetes. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (labels === undefined) return errs;
  // Runs for every label of every object written: no per-entry arrays unless something is wrong.
  for (const k in labels) {
    const v = labels[k];
    for (const m of qualifiedNameMessages(k)) errs.push(invalid(path, k, m));
    for (const m of labelValueMessages(v)) errs.push(invalid(path, v, m));
  }
  return errs;
}

/** Annotations' total size limit: keys plus values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** Annotation keys are qualified names compared case-insensitively; the whole map is capped at 256 KiB. */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  if (annotations === undefined) return errs;
  for (const k in annotations) {
    for (const msg of qualifiedNameMessages(k.toLowerCase())) errs.push(invalid(path, k, msg));
    total += utf8Length(k) + utf8Length(annotations[k]);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}

// ---------------------------------------------------------------------------
// Ports

export function portNumMessages(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isValidPortNum(port: number, path: FieldPath): FieldError[] {
  return wrap(path, port, portNumMessages(port));
}

/** IANA_SVC_NAME (RFC 6335), lower case only: at most 15 of [-a-z0-9], a letter, no `--`, no edge hyphen. */
export function portNameMessages(port: string): string[] {
  const errs: string[] = [];
  if (utf8Length(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function isValidPortName(port: string, path: FieldPath): FieldError[] {
  return wrap(path, port, portNameMessages(port));
}

// ---------------------------------------------------------------------------
// IP addresses and CIDRs, parsed as leniently as Kubernetes' ParseIPSloppy:
// IPv4 octets may carry leading zeros (read as decimal), zones are rejected.

export interface ParsedIP {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address stays family 6). */
  bytes: Uint8Array;
}

function parseIPv4Bytes(s: string): Uint8Array | null {
  const fields = s.split('.');
  if (fields.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^[0-9]+$/.test(fields[i])) return null;
    const n = Number(fields[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIPv6Bytes(input: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let s = input;
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return out;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]+/.exec(s);
    if (m === null) return null;
    const group = Number.parseInt(m[0], 16);
    if (group > 0xffff) return null;
    const rest = s.slice(m[0].length);
    if (rest.startsWith('.')) {
      // A trailing dotted quad fills the last four bytes, and only those.
      if (ellipsis < 0 && i !== 12) return null;
      if (i + 4 > 16) return null;
      const v4 = parseIPv4Bytes(s);
      if (v4 === null) return null;
      out.set(v4, i);
      i += 4;
      s = '';
      break;
    }
    out[i] = group >> 8;
    out[i + 1] = group & 0xff;
    i += 2;
    s = rest;
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return null;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const shift = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) out[j + shift] = out[j];
    for (let j = ellipsis + shift - 1; j >= ellipsis; j--) out[j] = 0;
  } else if (ellipsis >= 0) {
    // An ellipsis must stand for at least one zero group.
    return null;
  }
  return out;
}

/** Parses an IPv4 or IPv6 address; null when it is not one. */
export function parseIP(value: string): ParsedIP | null {
  for (const ch of value) {
    if (ch === '.') {
      const bytes = parseIPv4Bytes(value);
      return bytes === null ? null : { family: 4, bytes };
    }
    if (ch === ':') {
      const bytes = parseIPv6Bytes(value);
      return bytes === null ? null : { family: 6, bytes };
    }
  }
  return null;
}

export interface ParsedCIDR {
  ip: ParsedIP;
  prefixLength: number;
}

/** Parses `addr/len`; the address may have host bits set (`10.0.0.1/8`), as Go allows. */
export function parseCIDR(value: string): ParsedCIDR | null {
  const slash = value.indexOf('/');
  if (slash < 0) return null;
  const addr = value.slice(0, slash);
  const mask = value.slice(slash + 1);
  let ip: ParsedIP | null = null;
  const v4 = parseIPv4Bytes(addr);
  if (v4 !== null) ip = { family: 4, bytes: v4 };
  else {
    const v6 = parseIPv6Bytes(addr);
    if (v6 !== null) ip = { family: 6, bytes: v6 };
  }
  if (ip === null || !/^[0-9]+$/.test(mask)) return null;
  const prefixLength = Number(mask);
  if (prefixLength > ip.bytes.length * 8) return null;
  return { ip, prefixLength };
}

/** True for IPv4 and IPv4-mapped IPv6 addresses, which Go's To4 treats alike. */
function isIPv4Like(ip: ParsedIP): boolean {
  if (ip.family === 4) return true;
  const b = ip.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

export function isValidIP(value: string, path: FieldPath): FieldError[] {
  if (parseIP(value) !== null) return [];
  return [invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

export function isValidIPv4Address(value: string, path: FieldPath): FieldError[] {
  const ip = parseIP(value);
  if (ip !== null && isIPv4Like(ip)) return [];
  return [invalid(path, value, 'must be a valid IPv4 address')];
}

export function isValidIPv6Address(value: string, path: FieldPath): FieldError[] {
  const ip = parseIP(value);
  if (ip !== null && !isIPv4Like(ip)) return [];
  return [invalid(path, value, 'must be a valid IPv6 address')];
}

export function isValidCIDR(value: string, path: FieldPath): FieldError[] {
  if (parseCIDR(value) !== null) return [];
  return [invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

// ---------------------------------------------------------------------------
// Small formats

const PERCENT_FMT = '[0-9]+%';
const PERCENT_RE = new RegExp(`^${PERCENT_FMT}$`);

export function isValidPercent(value: string, path: FieldPath): FieldError[] {
  if (PERCENT_RE.test(value)) return [];
  return [
    invalid(
      path,
      value,
      regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, '1%', '93%'),
    ),
  ];
}

export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';

export function validateNonnegative(value: number | bigint, path: FieldPath): FieldError[] {
  return value < 0 ? [invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

const C_IDENTIFIER_FMT = '[A-Za-z_][A-Za-z0-9_]*';
const C_IDENTIFIER_RE = new RegExp(`^${C_IDENTIFIER_FMT}$`);

export function isCIdentifier(value: string, path: FieldPath): FieldError[] {
  if (C_IDENTIFIER_RE.test(value)) return [];
  const msg = regexError(
    "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'",
    C_IDENTIFIER_FMT,
    'my_name',
    'MY_NAME',
    'MyName',
  );
  return [invalid(path, value, msg)];
}

/**
 * An environment variable name under Kubernetes' relaxed rule (the default
 * since RelaxedEnvironmentVariableValidation): any printable ASCII but '='.
 */
export function envVarNameMessages(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push(`environment variable name ${emptyError()}`);
  // Code units suffice: anything outside printable ASCII, surrogates included, fails alike.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3d) {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

export function isEnvVarName(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, envVarNameMessages(value));
}

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_MAP_KEY_RE = new RegExp(`^${CONFIG_MAP_KEY_FMT}$`);

/** A ConfigMap or Secret key: it becomes a file name, so `.`, `..` and a `..` prefix are refused. */
export function configMapKeyMessages(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!CONFIG_MAP_KEY_RE.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_MAP_KEY_FMT,
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function isConfigMapKey(value: string, path: FieldPath): FieldError[] {
  return wrap(path, value, configMapKeyMessages(value));
}

// ---------------------------------------------------------------------------
// metav1.LabelSelector

export interface LabelSelectorRequirementLike {
  key?: string | undefined;
  operator?: string | undefined;
  values?: readonly string[] | undefined;
}

/** The shape of metav1.LabelSelector; the generated proto type fits it. */
export interface LabelSelectorLike {
  matchLabels?: Readonly<Record<string, string>> | undefined;
  matchExpressions?: readonly LabelSelectorRequirementLike[] | undefined;
}

export interface LabelSelectorValidationOptions {
  /** Skip label-value checks on matchExpressions values, for objects stored before they were checked. */
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelSelectorRequirement(
  req: LabelSelectorRequirementLike,
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  const operator = req.operator ?? '';
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
      break;
    default:
      errs.push(invalid(path.child('operator'), operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(req.key ?? '', path.child('key')));
  if (opts.allowInvalidLabelValueInSelector !== true) {
    values.forEach((value, i) => errs.push(...isValidLabelValue(value, path.child('values').index(i))));
  }
  return errs;
}

/** metav1 ValidateLabelSelector; an absent selector is valid. */
export function validateLabelSelector(
  selector: LabelSelectorLike | null | undefined,
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (selector === null || selector === undefined) return [];
  const errs = validateLabels(selector.matchLabels, path.child('matchLabels'));
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    errs.push(...validateLabelSelectorRequirement(expr, path.child('matchExpressions').index(i), opts));
  });
  return errs;
}

// ---------------------------------------------------------------------------
// Object names

/**
 * Kubernetes' ValidateNameFunc: the reasons `name` is not a valid name. With
 * `prefix` true the name is a generateName prefix that will get a random
 * suffix, so a trailing '-' is allowed.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

/**
 * Kubernetes replaces the last two characters of a dash-ended prefix with one
 * letter; the lost character is a long-standing quirk, kept because it decides
 * which prefixes validate.
 */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  dns1123SubdomainMessages(prefix ? maskTrailingDash(name) : name);

export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  dns1123LabelMessages(prefix ? maskTrailingDash(name) : name);

export const nameIsDNS1035Label: NameValidator = (name, prefix) =>
  dns1035LabelMessages(prefix ? maskTrailingDash(name) : name);

/** Namespace names are DNS labels. */
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

/**
 * metadata.name and metadata.generateName. A set generateName is validated as a
 * prefix. When name is empty but generateName is set, the name is still to be
 * generated, so only the prefix is checked; with neither, the name is required.
 */
export function validateObjectMetaName(
  meta: { name?: string | undefined; generateName?: string | undefined },
  nameFn: NameValidator,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = meta.name ?? '';
  const generateName = meta.generateName ?? '';
  if (generateName.length > 0) {
    for (const msg of nameFn(generateName, true)) errs.push(invalid(path.child('generateName'), generateName, msg));
  }
  if (name.length === 0) {
    if (generateName.length === 0) errs.push(required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(invalid(path.child('name'), name, msg));
  }
  return errs;
}
