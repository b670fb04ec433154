import { StatusError, newInvalid } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { CliError, formatError, withSource } from './errors';

describe('formatError', () => {
  it('prints API errors with their reason', () => {
    expect(formatError(new StatusError('NotFound', 'pods "x" not found'))).toBe('Error from server (NotFound): pods "x" not found\n');
  });

  it('prints validation failures as kubectl does, one cause or a list', () => {
    const one = newInvalid({ group: '', kind: 'Pod' }, 'x', [{ field: 'metadata.name', text: 'metadata.name: Invalid value: "x_": bad', type: 'FieldValueInvalid' }]);
    expect(formatError(one)).toBe('The Pod "x" is invalid: metadata.name: Invalid value: "x_": bad\n');
    const two = newInvalid({ group: '', kind: 'Pod' }, 'x', [
      { field: 'a', text: 'a: Required value', type: 'FieldValueRequired' },
      { field: 'b', text: 'b: Required value', type: 'FieldValueRequired' },
    ]);
    expect(formatError(two)).toBe('The Pod "x" is invalid: \n* a: Required value\n* b: Required value\n');
  });

  it('says the connection was refused when the server is down', () => {
    const err = new StatusError('ServiceUnavailable', 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1');
    expect(formatError(err, { server: '127.0.0.1:1' })).toBe('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n');
  });

  it('says which host could not be looked up, as kubectl does', () => {
    const err = new StatusError('ServiceUnavailable', 'No connection established. Last error: getaddrinfo ENOTFOUND nosuchhost.invalid');
    expect(formatError(err, { server: 'nosuchhost.invalid:6443' })).toBe('Unable to connect to the server: dial tcp: lookup nosuchhost.invalid: no such host\n');
    // A watch's grpc-js channel words it its own way.
    const fromWatch = new StatusError('ServiceUnavailable', 'Name resolution failed for target dns:nosuchhost.invalid:6443');
    expect(formatError(fromWatch)).toBe('Unable to connect to the server: dial tcp: lookup nosuchhost.invalid: no such host\n');
  });

  it('points usage errors at --help, and prefixes the rest with error:', () => {
    expect(formatError(new UsageError('unknown flag: --x'), { command: 'get' })).toBe("error: unknown flag: --x\nSee 'minictl get --help' for usage.\n");
    expect(formatError(new CliError('boom'))).toBe('error: boom\n');
  });

  it('adds the file an API error came from', () => {
    const err = withSource(new StatusError('AlreadyExists', 'pods "x" already exists'), 'creating', 'pod.yaml');
    expect(formatError(err)).toBe('Error from server (AlreadyExists): error when creating "pod.yaml": pods "x" already exists\n');
  });
});
