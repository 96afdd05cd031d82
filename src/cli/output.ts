import type { Command } from 'commander';

/** Where the CLI writes: the process's streams, or a test's. */
export interface CliStreams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** How one command run prints: JSON for programs, text for people. */
export class Output {
  constructor(
    private readonly streams: CliStreams,
    readonly json: boolean,
  ) {}

  /** The command's result on stdout: `value` as JSON, or `render()` for people. */
  result(value: unknown, render: () => string): void {
    const text = this.json ? JSON.stringify(value, null, 2) : render();
    this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A remark for people, on stderr, so that stdout stays one parseable document. */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }
}

/** JSON when asked with `--json`, or when stdout is not a terminal unless `--no-json` says otherwise. */
export function outputFor(streams: CliStreams, command: Command): Output {
  const { json } = command.optsWithGlobals<{ json?: boolean }>();
  return new Output(streams, json ?? streams.stdout.isTTY !== true);
}

/** Text from the database made safe for a terminal: control characters cannot move the cursor or recolour it. */
export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A moment to the second, in UTC, or `-`. */
export const formatTime = (date: Date | null): string => (date ? `${date.toISOString().slice(0, 19)}Z` : '-');

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Rows in aligned columns under upper-case headers. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((column) => column.header.toUpperCase())];
  for (const row of rows) cells.push(columns.map((column) => printable(column.value(row))));
  return alignColumns(cells);
}

/** Label-value pairs, aligned, indented by two spaces. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  return alignColumns(pairs.map(([label, value]) => [`  ${label}`, printable(value)]));
}

function alignColumns(cells: readonly string[][]): string {
  const widths: number[] = [];
  for (const line of cells) {
    for (const [index, cell] of line.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  return cells
    .map((line) =>
      line
        .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
