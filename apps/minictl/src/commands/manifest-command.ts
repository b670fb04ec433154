// What apply, create and replace share: reading -f, resolving each object's namespace, and reporting
// `pod/kubia created` (or printing the result with -o).

import type { ApiObject, KindInfo } from '@minik8s/api';
import type { CommandContext } from '../context';
import { CliError } from '../errors';
import { readManifests, type Manifest } from '../manifests';
import { parseOutputFormat } from '../printers/output';
import { ObjectPrinter } from '../printers/print';
import { objectRef } from '../resources';

/** The manifests of -f; unreadable documents are reported and left out. */
export async function manifestsOf(ctx: CommandContext, verb: string): Promise<Manifest[]> {
  const filenames = ctx.args.strings('filename');
  if (filenames.length === 0) throw new CliError(`must specify -f to ${verb}`);
  const { manifests, errors } = await readManifests(ctx.scheme, filenames, {
    recursive: ctx.args.bool('recursive'),
    readStdin: ctx.io.readStdin,
  });
  errors.forEach((e) => ctx.fail(e));
  if (manifests.length === 0 && errors.length === 0) throw new CliError(`no objects passed to ${verb}`);
  return manifests;
}

/** Prints the outcome of one object: `kind/name <verb>` or, with -o, the object itself. */
export class ResultPrinter {
  private readonly printer: ObjectPrinter | undefined;

  constructor(private readonly ctx: CommandContext) {
    const output = ctx.args.string('output');
    const format = parseOutputFormat(output);
    this.printer = output === ''
      ? undefined
      : new ObjectPrinter(ctx.scheme, format, {
          noHeaders: false, single: true, withNamespace: false, withKind: false, showLabels: false, labelColumns: [], now: ctx.now(),
        });
  }

  done(info: KindInfo, obj: ApiObject, verb: string): void {
    if (!this.printer) this.ctx.out(`${objectRef(info, obj)} ${verb}\n`);
    else if (this.printer.format.kind === 'name') this.ctx.out(`${objectRef(info, obj)}\n`);
    else this.ctx.out(this.printer.print([{ info, obj }]));
  }
}

/** The manifest's object with its namespace settled (-n must agree with the file's). */
export function withNamespace(ctx: CommandContext, manifest: Manifest): { namespace: string | undefined; obj: ApiObject } {
  const namespace = ctx.namespaceFor(manifest.info, manifest.obj.metadata?.namespace);
  const obj: ApiObject = { ...manifest.obj, metadata: { ...manifest.obj.metadata, namespace } };
  return { namespace, obj };
}
