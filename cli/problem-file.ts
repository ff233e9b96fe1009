import { closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ProblemCollector, SHOWN_PROBLEMS, problemCount, problemLine, type InputProblem } from '../schemas/errors';

interface Segment {
  readonly path: string;
  readonly fd: number;
}

const FLUSH_AT = 1 << 16;

/** A name fit for a file, from an input's name: letters, digits, `.`, `_` and `-`. */
const fileNamePart = (name: string) =>
  name
    .replace(/^.*[\\/]/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 80) || 'input';

/**
 * Problems of a large input: the first ones by line in memory (for the terminal), and
 * every one in a file `<input>.problems-<time>.txt` in the reports folder, sorted by line,
 * written only when there are more than the terminal shows. Messages hold ids and
 * positions, never the input's content.
 *
 * Checks find problems stage by stage (parsing, then the registry, then the storage
 * systems), each in line order; every run of problems in line order goes to its own
 * temporary segment, and the segments are merged by line at the end: bounded memory
 * whatever the order.
 */
export class ProblemFile extends ProblemCollector {
  private dir?: string;
  private readonly segments: Segment[] = [];
  private lastLine = -1;
  private pending = '';

  constructor(
    private readonly reportsDir: string,
    private readonly inputName: string,
    private readonly heading: string,
  ) {
    super();
  }

  override add(problem: InputProblem): void {
    super.add(problem);
    const line = problem.line ?? 0;
    if (line < this.lastLine || this.segments.length === 0) this.startSegment();
    this.lastLine = line;
    this.pending += `${line}\t${JSON.stringify(problem)}\n`;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  private startSegment(): void {
    this.flush();
    this.dir ??= mkdtempSync(join(tmpdir(), 'erasure-problems-'));
    const path = join(this.dir, `segment-${this.segments.length}`);
    this.segments.push({ path, fd: openSync(path, 'w', 0o600) });
  }

  private flush(): void {
    const segment = this.segments.at(-1);
    if (!segment || !this.pending) return;
    writeSync(segment.fd, this.pending);
    this.pending = '';
  }

  private closing?: Promise<string | undefined>;

  /** Writes the problem file (once; later calls return the same path). */
  override close(): Promise<string | undefined> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** Removes the temporary segments without writing a problem file (the input was refused for another reason). */
  discard(): void {
    if (this.closing) return;
    this.closing = Promise.resolve(undefined);
    for (const s of this.segments) closeSync(s.fd);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async finish(): Promise<string | undefined> {
    this.flush();
    for (const s of this.segments) closeSync(s.fd);
    try {
      if (this.total <= SHOWN_PROBLEMS) return undefined;
      mkdirSync(this.reportsDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = join(this.reportsDir, `${fileNamePart(this.inputName)}.problems-${stamp}.txt`);
      await this.merge(file);
      return file;
    } finally {
      if (this.dir) rmSync(this.dir, { recursive: true, force: true });
      this.segments.length = 0;
    }
  }

  private async merge(file: string): Promise<void> {
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    const readers = this.segments.map((s) => createInterface({ input: createReadStream(s.path), crlfDelay: Infinity })[Symbol.asyncIterator]());
    const heads: ({ line: number; text: string } | undefined)[] = [];
    const next = async (i: number) => {
      const r = await (readers[i] as AsyncIterator<string>).next();
      if (r.done) return undefined;
      const tab = r.value.indexOf('\t');
      return { line: Number(r.value.slice(0, tab)), text: problemLine(JSON.parse(r.value.slice(tab + 1)) as InputProblem) };
    };
    for (let i = 0; i < readers.length; i += 1) heads.push(await next(i));
    await write(`${this.heading} (${problemCount(this.total)}); nothing was changed. Every problem, by line:\n`);
    for (;;) {
      // Few segments (one per stage): a linear scan finds the lowest line; ties go to the earlier segment.
      let best = -1;
      heads.forEach((h, i) => {
        if (h && (best < 0 || h.line < (heads[best] as { line: number }).line)) best = i;
      });
      if (best < 0) break;
      await write(`${(heads[best] as { text: string }).text}\n`);
      heads[best] = await next(best);
    }
    out.end();
    await once(out, 'close');
  }
}
