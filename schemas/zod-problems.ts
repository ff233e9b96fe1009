import type { z } from 'zod';
import type { InputProblem } from './errors';

/** Turns zod issues into problems that name the field and say how to fix it. */
export function zodProblems(error: z.ZodError, line?: number): InputProblem[] {
  return relevant(error).map((issue) => ({
    ...(line !== undefined ? { line } : {}),
    field: formatPath(issue.path),
    message: describeIssue(issue),
  }));
}

/**
 * The issues worth reporting: zod 4 still runs a field's checks after its type was wrong
 * (an array is "empty" for `.min(1)`); a wrong type is the one thing to say about it.
 */
function relevant(error: z.ZodError): z.core.$ZodIssue[] {
  const wrongType = new Set(error.issues.filter((i) => i.code === 'invalid_type').map((i) => JSON.stringify(i.path)));
  return error.issues.filter((i) => i.code === 'invalid_type' || !wrongType.has(JSON.stringify(i.path)));
}

/**
 * A name taken from the input (an unknown field, a column), fit to be shown: quoted,
 * control and formatting characters escaped (no terminal escapes, no line breaks, no
 * right-to-left tricks), and cut to 40 characters.
 */
export function shownName(name: string): string {
  const escaped = name.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(escaped.length > 40 ? `${escaped.slice(0, 40)}…` : escaped).replace(/\\\\u/g, '\\u');
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const text = String(part);
      const shown = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(text) ? text : shownName(text);
      return `${i === 0 ? '' : '.'}${shown}`;
    })
    .join('');
}

/** One line per issue, `<field>: <what is wrong>`, for refusals that are a single message (update validators). */
export function refusalText(error: z.ZodError, wholeInput: string): string {
  return relevant(error)
    .map((issue) => `${formatPath(issue.path) || wholeInput}: ${describeIssue(issue)}`)
    .join('; ');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // zod 4 leaves the input out of issues; its message ends in "received <type>".
      const received = /received (\w+)\s*$/.exec(issue.message)?.[1];
      return received === undefined || received === 'undefined'
        ? `is missing; add a ${issue.expected} value`
        : `expected ${issue.expected}, got ${received}; give a ${issue.expected}`;
    }
    case 'unrecognized_keys': {
      const shown = issue.keys.slice(0, 5).map(shownName).join(', ');
      return `unknown field(s) ${shown}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}; remove them or check the spelling`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}
