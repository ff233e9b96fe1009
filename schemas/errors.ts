/**
 * The project's error vocabulary. Every error has a stable `code` that callers (CLI,
 * tests, activities converting to ApplicationFailure types) match on, never `instanceof`
 * across process or sandbox boundaries.
 */
export type ErasureErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_RECORD'
  | 'POLICY_CONFLICT'
  | 'UNKNOWN_POLICY'
  | 'UNSUPPORTED_SYSTEM'
  | 'VERIFICATION_FAILED'
  | 'TOOL_MISSING'
  | 'MAIL_REJECTED'
  | 'NOT_FOUND'
  | 'UNUSABLE_ARGUMENTS'
  | 'FORBIDDEN';

/** Thrown when our own code refuses or fails for a reason it can name: `code` says which; the message holds no personal data (from an activity it reaches workflow history). */
export class ErasureError extends Error {
  constructor(
    readonly code: ErasureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ErasureError';
  }
}

/** One problem found in a piece of input: where it is, what is wrong, how to fix it. */
export interface InputProblem {
  /** 1-based line in the input file, when the input is a file. */
  readonly line?: number;
  /** 1-based column (in characters), where the line alone does not say enough (a syntax or encoding error). */
  readonly column?: number;
  /** Dotted path of the field, e.g. `locations[1].system`. */
  readonly field: string;
  readonly message: string;
}

/** How many problems a refusal shows; the rest are counted (and listed in a file by the command line). */
export const SHOWN_PROBLEMS = 100;

/** Where problems go while a large input is checked (see `ProblemCollector`). */
export interface ProblemSink {
  add(problem: InputProblem): void;
  readonly total: number;
}

/**
 * Thrown when input (a file, a command's arguments) is refused as a whole. `problems`
 * holds the problems to show (the first by line when a long list was cut: `total` counts
 * them all, and `problemFile` names the file that lists them all, when one was written).
 */
export class InvalidInputError extends ErasureError {
  readonly total: number;
  readonly problemFile?: string;

  constructor(
    readonly source: string,
    readonly problems: readonly InputProblem[],
    more: { readonly total?: number; readonly file?: string } = {},
  ) {
    const total = Math.max(more.total ?? 0, problems.length);
    super('INVALID_INPUT', formatProblems(source, problems, { total, ...(more.file ? { file: more.file } : {}) }));
    this.name = 'InvalidInputError';
    this.total = total;
    if (more.file) this.problemFile = more.file;
  }
}

const byLine = (a: { line?: number }, b: { line?: number }) => (a.line ?? 0) - (b.line ?? 0);

/**
 * Problems kept in bounded memory: the first `SHOWN_PROBLEMS` by line (problems without a
 * line first, then in the order found), and the count of all. A file of a million wrong
 * rows costs a counter, not a million messages.
 */
export class ProblemCollector implements ProblemSink {
  private readonly kept: InputProblem[] = [];
  private count = 0;

  add(problem: InputProblem): void {
    this.count += 1;
    const last = this.kept.at(-1);
    if (this.kept.length >= SHOWN_PROBLEMS && last && byLine(problem, last) >= 0) return;
    // After every kept problem of the same line, so that a line's problems keep their order.
    let at = this.kept.length;
    while (at > 0 && byLine(problem, this.kept[at - 1] as InputProblem) < 0) at -= 1;
    this.kept.splice(at, 0, problem);
    if (this.kept.length > SHOWN_PROBLEMS) this.kept.pop();
  }

  get total(): number {
    return this.count;
  }

  /** The first problems by line, at most `SHOWN_PROBLEMS`. */
  first(): readonly InputProblem[] {
    return this.kept;
  }

  /** Ends the list; returns the file that lists every problem, when this collector writes one. */
  close(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  /** The refusal of `source` for the problems collected. */
  async refusal(source: string): Promise<InvalidInputError> {
    const file = await this.close();
    return new InvalidInputError(source, this.first(), { total: this.total, ...(file ? { file } : {}) });
  }
}

/** Thrown when configuration (environment variables) cannot be used. */
export class InvalidConfigError extends ErasureError {
  constructor(readonly problems: readonly InputProblem[]) {
    super('INVALID_CONFIG', formatProblems('configuration', problems));
    this.name = 'InvalidConfigError';
  }
}

/** Thrown when a required external tool (Temporal CLI, Go, Dovecot) cannot be found, built or run. */
export class ToolMissingError extends ErasureError {
  constructor(message: string) {
    super('TOOL_MISSING', message);
    this.name = 'ToolMissingError';
  }
}

/** 20 000 → "20 000": counts as the README writes them. */
export const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** One problem as one line of a refusal (and of the problem file). */
export function problemLine(p: InputProblem): string {
  const where = `${p.line !== undefined ? `line ${p.line}, ` : ''}${p.column !== undefined ? `column ${p.column}, ` : ''}`;
  return `  - ${where}${p.field || '(whole entry)'}: ${p.message}`;
}

export const problemCount = (n: number) => (n === 1 ? '1 problem' : `${grouped(n)} problems`);

/**
 * The refusal as printed: at most `SHOWN_PROBLEMS` problems, then how many more there
 * are and, when it was written, the file that lists them all.
 */
export function formatProblems(source: string, problems: readonly InputProblem[], more: { readonly total?: number; readonly file?: string } = {}): string {
  const total = Math.max(more.total ?? 0, problems.length);
  const shown = problems.slice(0, SHOWN_PROBLEMS);
  const lines = shown.map(problemLine);
  if (total > shown.length) {
    lines.push(`  … and ${problemCount(total - shown.length).replace('problem', 'more problem')}${more.file ? `; the full list is in ${more.file}` : ''}`);
  }
  return `${source} refused (${problemCount(total)}); nothing was changed:\n${lines.join('\n')}`;
}

/**
 * Thrown when what a command asks about does not exist (a record, a lifecycle, a purge run,
 * a certificate). Asking changes nothing, so the message says only what is missing and why.
 */
export class NotFoundError extends ErasureError {
  constructor(
    readonly command: string,
    readonly kind: 'record' | 'lifecycle' | 'purge run' | 'certificate',
    readonly id: string,
    explanation: string,
  ) {
    super('NOT_FOUND', `erasure ${command}: ${explanation}`);
    this.name = 'NotFoundError';
  }
}

/**
 * Thrown when a command that changes nothing (status, list, report, verify, ...) cannot use
 * its arguments: the message names each argument and the fix, with no word of a refusal.
 */
export class UnusableArgumentsError extends ErasureError {
  constructor(
    readonly command: string,
    readonly problems: readonly InputProblem[],
  ) {
    const lines = problems.map((p) => `${p.field}: ${p.message}`);
    super('UNUSABLE_ARGUMENTS', lines.length === 1 ? `erasure ${command}: ${lines[0]}` : `erasure ${command}:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    this.name = 'UnusableArgumentsError';
  }
}
