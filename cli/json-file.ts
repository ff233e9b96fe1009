import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { InvalidInputError } from '../schemas/errors';
import { zodProblems } from '../schemas/zod-problems';

/** Reads a JSON file and validates it whole; any problem refuses it with field and fix. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(file, [{ field: '(file)', message: `is not a readable JSON file: ${(err as Error).message}` }]);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new InvalidInputError(file, zodProblems(parsed.error));
  return parsed.data;
}
