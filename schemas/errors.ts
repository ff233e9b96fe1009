/**
 * The project's error vocabulary. Every error has a stable `code` that callers (CLI,
 * tests, activities converting to ApplicationFailure types) match on, never `instanceof`
 * across process or sandbox boundaries.
 */
export type ErasureErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_RECORD'
  | 'IMPORT_CONFLICT'
  | 'POLICY_CONFLICT'
  | 'UNKNOWN_POLICY'
  | 'UNSUPPORTED_SYSTEM'
  | 'VERIFICATION_FAILED'
  | 'TOOL_MISSING'
  | 'MAIL_REJECTED'
  | 'NOT_FOUND'
  | 'UNUSABLE_ARGUMENTS';

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
  /** Dotted path of the field, e.g. `locations[1].system`. */
  readonly field: string;
  readonly message: string;
}

/** Thrown when input (a file, a command's arguments) is refused as a whole. */
export class InvalidInputError extends ErasureError {
  constructor(
    readonly source: string,
    readonly problems: readonly InputProblem[],
  ) {
    super('INVALID_INPUT', formatProblems(source, problems));
    this.name = 'InvalidInputError';
  }
}

/** Thrown when configuration (environment variables) cannot be used. */
export class InvalidConfigError extends ErasureError {
  constructor(readonly problems: readonly InputProblem[]) {
    super('INVALID_CONFIG', formatProblems('configuration', problems));
    this.name = 'InvalidConfigError';
  }
}

/** Thrown when an import would change a record that was already imported differently. */
export class ImportConflictError extends ErasureError {
  constructor(
    readonly recordId: string,
    message: string,
  ) {
    super('IMPORT_CONFLICT', message);
    this.name = 'ImportConflictError';
  }
}

/** Thrown when erasure left data behind in a storage system. */
export class VerificationFailedError extends ErasureError {
  constructor(
    readonly recordId: string,
    readonly system: string,
    message: string,
  ) {
    super('VERIFICATION_FAILED', message);
    this.name = 'VerificationFailedError';
  }
}

/** Thrown when a required external tool (Temporal CLI, Go) cannot be found or built. */
export class ToolMissingError extends ErasureError {
  constructor(message: string) {
    super('TOOL_MISSING', message);
    this.name = 'ToolMissingError';
  }
}

export function formatProblems(source: string, problems: readonly InputProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `line ${p.line}, ` : '';
    return `  - ${where}${p.field || '(whole entry)'}: ${p.message}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `${source} refused (${count}); nothing was changed:\n${lines.join('\n')}`;
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
