/**
 * A progress bar on a terminal (stderr), nothing when stderr is not a terminal: logs and
 * pipes get the final summary only.
 */
export class ProgressBar {
  private lastLine = '';
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled?: boolean,
  ) {
    this.enabled = enabled ?? !!stream.isTTY;
  }

  /** Redraws the bar; `total` 0 shows the count alone. */
  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    const width = 30;
    const share = total > 0 ? Math.min(done / total, 1) : 0;
    const filled = Math.round(share * width);
    const bar = total > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ` : '';
    const line = `${this.label} ${bar}${done}${total > 0 ? `/${total}` : ''}${detail ? ` ${detail}` : ''}`;
    if (line === this.lastLine) return;
    this.lastLine = line;
    const columns = this.stream.columns ?? 120;
    this.stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, this.lastLine.length))}\x1b[K`);
  }

  /** Ends the bar's line so that what follows starts on a fresh one. */
  done(): void {
    if (this.enabled && this.lastLine) this.stream.write('\n');
    this.lastLine = '';
  }
}
