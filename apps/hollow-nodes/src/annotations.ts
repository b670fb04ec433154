import { formatDuration, parseDuration } from '@minik8s/flags';

/**
 * Pod annotations that script what a hollow node's pretend containers do. They are read on every
 * sync, so changing one on a live pod (for example `ready`) takes effect at once.
 */
export const ANNOTATION_PREFIX = 'hollow.minik8s.io/';
export const EXIT_CODE_ANNOTATION = `${ANNOTATION_PREFIX}exit-code`;
export const EXIT_AFTER_ANNOTATION = `${ANNOTATION_PREFIX}exit-after`;
export const READY_ANNOTATION = `${ANNOTATION_PREFIX}ready`;
export const READY_AFTER_ANNOTATION = `${ANNOTATION_PREFIX}ready-after`;
export const STOP_EXIT_CODE_ANNOTATION = `${ANNOTATION_PREFIX}stop-exit-code`;

/** Exit code of a container stopped by a graceful deletion: 128 + SIGTERM, as a process killed by it reports. */
export const DEFAULT_STOP_EXIT_CODE = 143;

/** Every annotation with its one-line meaning; `--help` and the README print these. */
export const ANNOTATIONS: ReadonlyArray<readonly [name: string, meaning: string]> = [
  [EXIT_CODE_ANNOTATION, 'integer 0-255: the containers exit with this code (after exit-after, default 0s).'],
  [EXIT_AFTER_ANNOTATION, 'duration (5s, 500ms, 1m30s): each container run exits this long after it starts (code exit-code, default 0).'],
  [READY_ANNOTATION, '"false" keeps the running containers, and so the pod, not Ready (default "true").'],
  [READY_AFTER_ANNOTATION, 'duration: a container run becomes Ready this long after it starts (default 0s).'],
  [STOP_EXIT_CODE_ANNOTATION, `integer 0-255: the exit code reported when a graceful deletion stops the containers (default ${DEFAULT_STOP_EXIT_CODE}).`],
];

/** What a pod's annotations ask of its pretend containers. */
export interface HollowBehaviour {
  /** When set, every run of every container exits `afterMs` after it started, with `code`. */
  exit?: { afterMs: number; code: number };
  ready: boolean;
  readyAfterMs: number;
  stopExitCode: number;
}

export const DEFAULT_BEHAVIOUR: HollowBehaviour = { ready: true, readyAfterMs: 0, stopExitCode: DEFAULT_STOP_EXIT_CODE };

export interface ParsedBehaviour {
  behaviour: HollowBehaviour;
  /** One message per annotation that could not be read; such an annotation is ignored. */
  errors: string[];
}

function parseExitCode(name: string, value: string, errors: string[]): number | undefined {
  const text = value.trim();
  if (!/^[0-9]+$/.test(text) || Number(text) > 255) {
    errors.push(`${name}: invalid value "${value}": must be an integer from 0 to 255`);
    return undefined;
  }
  return Number(text);
}

function parseDurationAnnotation(name: string, value: string, errors: string[]): number | undefined {
  try {
    return parseDuration(value.trim());
  } catch (err) {
    errors.push(`${name}: invalid value "${value}": ${(err as Error).message}`);
    return undefined;
  }
}

/** Reads the hollow annotations; unknown `hollow.minik8s.io/` keys are reported, others ignored. */
export function parseHollowAnnotations(annotations: Readonly<Record<string, string>> | undefined): ParsedBehaviour {
  const errors: string[] = [];
  const a = annotations ?? {};
  const behaviour: HollowBehaviour = { ...DEFAULT_BEHAVIOUR };

  const code = a[EXIT_CODE_ANNOTATION] !== undefined ? parseExitCode(EXIT_CODE_ANNOTATION, a[EXIT_CODE_ANNOTATION], errors) : undefined;
  const after = a[EXIT_AFTER_ANNOTATION] !== undefined ? parseDurationAnnotation(EXIT_AFTER_ANNOTATION, a[EXIT_AFTER_ANNOTATION], errors) : undefined;
  if (code !== undefined || after !== undefined) {
    // An unreadable half disables the exit rather than guessing.
    const bad = (a[EXIT_CODE_ANNOTATION] !== undefined && code === undefined) || (a[EXIT_AFTER_ANNOTATION] !== undefined && after === undefined);
    if (!bad) behaviour.exit = { afterMs: after ?? 0, code: code ?? 0 };
  }

  const ready = a[READY_ANNOTATION];
  if (ready !== undefined) {
    const v = ready.trim().toLowerCase();
    if (v === 'true' || v === 'false') behaviour.ready = v === 'true';
    else errors.push(`${READY_ANNOTATION}: invalid value "${ready}": must be "true" or "false"`);
  }
  if (a[READY_AFTER_ANNOTATION] !== undefined) {
    behaviour.readyAfterMs = parseDurationAnnotation(READY_AFTER_ANNOTATION, a[READY_AFTER_ANNOTATION], errors) ?? 0;
  }
  if (a[STOP_EXIT_CODE_ANNOTATION] !== undefined) {
    behaviour.stopExitCode = parseExitCode(STOP_EXIT_CODE_ANNOTATION, a[STOP_EXIT_CODE_ANNOTATION], errors) ?? DEFAULT_STOP_EXIT_CODE;
  }

  const known = new Set(ANNOTATIONS.map(([name]) => name));
  for (const key of Object.keys(a)) {
    if (key.startsWith(ANNOTATION_PREFIX) && !known.has(key)) errors.push(`${key}: unknown hollow annotation`);
  }
  return { behaviour, errors };
}

/** A readable summary of a behaviour, for logs. */
export function describeBehaviour(b: HollowBehaviour): string {
  const parts = [b.exit ? `exit ${b.exit.code} after ${formatDuration(b.exit.afterMs)}` : 'runs until deleted'];
  if (!b.ready) parts.push('never ready');
  else if (b.readyAfterMs > 0) parts.push(`ready after ${formatDuration(b.readyAfterMs)}`);
  return parts.join(', ');
}

/** The annotations section of `--help`. */
export function annotationsHelp(): string {
  const width = Math.max(...ANNOTATIONS.map(([name]) => name.length)) + 3;
  const rows = ANNOTATIONS.map(([name, meaning]) => `      ${name.padEnd(width)}${meaning}`);
  return [
    '',
    'Pod annotations (read on every sync; see apps/hollow-nodes/README.md):',
    ...rows,
    '  When the containers exit: with restartPolicy Never, or OnFailure and code 0, the pod ends Succeeded',
    '  (code 0) or Failed; otherwise each container restarts (restartCount+1, lastState.terminated), the first',
    '  time at once, then after a CrashLoopBackOff of --crash-loop-back-off-base doubling up to the max.',
    '',
  ].join('\n');
}
