// Elastic tabstops as Go's text/tabwriter lays them out (and kubectl's variant of it that remembers
// column widths between flushes, so rows printed later in a watch stay aligned with the header).
//
// Text is cells separated by tabs. A column block is a run of consecutive lines that all have a
// tab-terminated cell in that column; every cell of a block is padded to the block's widest cell plus
// the padding. The last cell of a line is never padded.

export interface TabWriterOptions {
  padding: number;
  minWidth?: number;
  /** Keep the widest width seen per column across `format` calls (kubectl's RememberWidths). */
  rememberWidths?: boolean;
}

function width(text: string): number {
  return [...text].length;
}

export class TabWriter {
  private readonly widths: number[] = [];
  private readonly maxWidths: number[] = [];

  constructor(private readonly options: TabWriterOptions) {}

  /** Forgets remembered widths, so the next table is laid out on its own. */
  reset(): void {
    this.maxWidths.length = 0;
  }

  /** Lays out `text` (lines ending in `\n`, cells separated by `\t`). */
  format(text: string): string {
    if (text === '') return '';
    const endsWithNewline = text.endsWith('\n');
    const rawLines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
    const lines = rawLines.map((l) => l.split('\t'));
    const out: string[] = [];
    this.formatBlock(lines, 0, lines.length, out);
    return out.map((line, i) => (i < out.length - 1 || endsWithNewline ? `${line}\n` : line)).join('');
  }

  private formatBlock(lines: string[][], line0: number, line1: number, out: string[]): void {
    const column = this.widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current].length - 1) continue;
      // A block in this column starts here: print what came before it with the known widths.
      this.writeLines(lines, line0, current, out);
      line0 = current;
      let blockWidth = this.options.minWidth ?? 0;
      for (; current < line1; current++) {
        const line = lines[current];
        if (column >= line.length - 1) break;
        blockWidth = Math.max(blockWidth, width(line[column]) + this.options.padding);
      }
      if (this.options.rememberWidths) {
        if (column < this.maxWidths.length) {
          blockWidth = Math.max(blockWidth, this.maxWidths[column]);
          this.maxWidths[column] = blockWidth;
        } else {
          this.maxWidths.push(blockWidth);
        }
      }
      this.widths.push(blockWidth);
      this.formatBlock(lines, line0, current, out);
      this.widths.pop();
      line0 = current;
    }
    this.writeLines(lines, line0, line1, out);
  }

  private writeLines(lines: string[][], line0: number, line1: number, out: string[]): void {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      let text = '';
      cells.forEach((cell, j) => {
        text += cell;
        if (j < this.widths.length && j < cells.length - 1) text += ' '.repeat(Math.max(0, this.widths[j] - width(cell)));
      });
      out.push(text);
    }
  }
}

/** Formats text once with kubectl's table settings (three spaces between columns). */
export function formatTable(text: string): string {
  return new TabWriter({ padding: 3 }).format(text);
}
