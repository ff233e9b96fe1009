import type { z } from 'zod';
import type { InputProblem } from './errors';

/** Turns zod issues into problems that name the field and say how to fix it. */
export function zodProblems(error: z.ZodError, line?: number): InputProblem[] {
  return error.issues.map((issue) => ({
    ...(line !== undefined ? { line } : {}),
    field: formatPath(issue.path),
    message: describeIssue(issue),
  }));
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `is missing; add a ${issue.expected} value`
        : `${issue.message}; give a ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; remove them or check the spelling`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}
