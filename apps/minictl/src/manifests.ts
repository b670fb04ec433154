// Reading `-f FILE|DIR|-`: multi-document YAML, JSON, and `kind: List` documents, each decoded into
// a typed object with the file it came from. A document that does not decode is reported by file and
// field, and only that document is skipped.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeError, type ApiObject, type JsonObject, type KindInfo, type Scheme } from '@minik8s/api';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors';

export interface Manifest {
  /** The file name as given (`STDIN` for `-`). */
  source: string;
  info: KindInfo;
  obj: ApiObject;
  /** The object's canonical JSON (what was decoded, re-encoded). */
  json: JsonObject;
}

export interface ReadResult {
  manifests: Manifest[];
  /** One per file or document that could not be read or decoded. */
  errors: CliError[];
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

function filesUnder(dir: string, recursive: boolean): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...filesUnder(path, recursive));
    } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      files.push(path);
    }
  }
  return files;
}

/** The raw documents of one text, `kind: *List` documents expanded into their items. */
export function parseDocuments(text: string, source: string): unknown[] {
  const docs: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new CliError(`error parsing ${source}: ${doc.errors[0].message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const kind = (value as { kind?: unknown }).kind;
    const items = (value as { items?: unknown }).items;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) docs.push(...items);
    else docs.push(value);
  }
  return docs;
}

/** Decodes one document; a DecodeError becomes kubectl's `error validating "file": ...`. */
export function decodeManifest(scheme: Scheme, doc: unknown, source: string): Manifest {
  try {
    const { info, obj } = scheme.fromJson(doc);
    return { source, info, obj, json: scheme.toJson(info, obj) };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    if (err.message.startsWith('no matches for kind')) {
      const meta = (doc as { metadata?: { name?: string; namespace?: string } }).metadata ?? {};
      throw new CliError(
        `resource mapping not found for name: "${meta.name ?? ''}" namespace: "${meta.namespace ?? ''}" from "${source}": ${err.message}\nensure CRDs are installed first`,
      );
    }
    const detail = err.problems.length > 0
      ? err.problems.map((p) => (p.message.startsWith('unknown field') ? p.message : `${p.path}: ${p.message}`)).join(', ')
      : err.message;
    throw new CliError(`error validating "${source}": error validating data: ${detail}`);
  }
}

/** Reads every `-f` argument in order. */
export async function readManifests(
  scheme: Scheme,
  filenames: readonly string[],
  options: { recursive: boolean; readStdin: () => Promise<string> },
): Promise<ReadResult> {
  const manifests: Manifest[] = [];
  const errors: CliError[] = [];
  for (const name of filenames) {
    let files: { source: string; text: () => Promise<string> }[];
    if (name === '-') {
      files = [{ source: 'STDIN', text: options.readStdin }];
    } else if (!existsSync(name)) {
      errors.push(new CliError(`the path "${name}" does not exist`));
      continue;
    } else if (statSync(name).isDirectory()) {
      files = filesUnder(name, options.recursive).map((f) => ({ source: f, text: async () => readFileSync(f, 'utf8') }));
    } else {
      files = [{ source: name, text: async () => readFileSync(name, 'utf8') }];
    }
    for (const file of files) {
      let docs: unknown[];
      try {
        docs = parseDocuments(await file.text(), file.source);
      } catch (err) {
        errors.push(err instanceof CliError ? err : new CliError(String(err)));
        continue;
      }
      for (const doc of docs) {
        try {
          manifests.push(decodeManifest(scheme, doc, file.source));
        } catch (err) {
          errors.push(err instanceof CliError ? err : new CliError(String(err)));
        }
      }
    }
  }
  return { manifests, errors };
}
