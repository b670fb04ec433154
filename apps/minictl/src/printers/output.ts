// `-o/--output`: which printer to use.

import { CliError } from '../errors';
import { JsonPath, JsonPathError, relaxedJsonPath } from './jsonpath';

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'yaml' }
  | { kind: 'json' }
  | { kind: 'name' }
  | { kind: 'jsonpath'; path: JsonPath }
  | { kind: 'custom-columns'; columns: { header: string; path: JsonPath }[] };

const ALLOWED = 'custom-columns, json, jsonpath, name, wide, yaml';

function jsonPath(template: string): JsonPath {
  try {
    return new JsonPath(template);
  } catch (err) {
    if (err instanceof JsonPathError) throw new CliError(`error parsing jsonpath ${template}, ${err.message}`);
    throw err;
  }
}

/** Parses the value of `-o`. */
export function parseOutputFormat(value: string): OutputFormat {
  if (value === '' ) return { kind: 'table', wide: false };
  if (value === 'wide') return { kind: 'table', wide: true };
  if (value === 'yaml') return { kind: 'yaml' };
  if (value === 'json') return { kind: 'json' };
  if (value === 'name') return { kind: 'name' };
  const eq = value.indexOf('=');
  const name = eq > 0 ? value.slice(0, eq) : value;
  const arg = eq > 0 ? value.slice(eq + 1) : '';
  if (name === 'jsonpath') {
    if (!arg) throw new CliError('template format specified but no template given');
    return { kind: 'jsonpath', path: jsonPath(arg) };
  }
  if (name === 'custom-columns') {
    if (!arg) throw new CliError('custom-columns format specified but no custom columns given');
    const columns = arg.split(',').map((spec) => {
      const colon = spec.indexOf(':');
      if (colon <= 0) throw new CliError(`unexpected custom-columns spec: ${spec}, expected <header>:<json-path-expr>`);
      try {
        return { header: spec.slice(0, colon), path: relaxedJsonPath(spec.slice(colon + 1)) };
      } catch (err) {
        if (err instanceof JsonPathError) throw new CliError(`error parsing jsonpath ${spec.slice(colon + 1)}, ${err.message}`);
        throw err;
      }
    });
    return { kind: 'custom-columns', columns };
  }
  throw new CliError(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${ALLOWED}`);
}
