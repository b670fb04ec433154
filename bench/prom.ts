/** Minimal reading of Prometheus text exposition: the sum of one metric's samples. */

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) labels[m[1]] = m[2].replace(/\\(.)/g, '$1');
  return labels;
}

/** Every sample of `name` (exactly that name, not its _bucket/_sum/_count series). */
export function samples(page: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of page.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    let valueText: string;
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      labels = parseLabels(rest.slice(1, close));
      valueText = rest.slice(close + 1);
    } else if (rest.startsWith(' ')) {
      valueText = rest;
    } else {
      continue;
    }
    out.push({ labels, value: Number(valueText.trim().split(/\s+/)[0]) });
  }
  return out;
}

/** The sum of the samples of `name` whose labels include `match`; undefined if there are none. */
export function metricValue(page: string, name: string, match: Record<string, string> = {}): number | undefined {
  const found = samples(page, name).filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
  if (found.length === 0) return undefined;
  return found.reduce((sum, s) => sum + s.value, 0);
}
