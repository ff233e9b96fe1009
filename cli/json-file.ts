import type { z } from 'zod';
import { InvalidInputError } from '../schemas/errors';
import { zodProblems } from '../schemas/zod-problems';
import { parseCheckedJson, positionIn } from './json-text';
import { readTextFile, type FileSource } from './text-file';

/**
 * Reads a JSON file (UTF-8 with or without BOM, or UTF-16 with one: see text-file.ts) and
 * validates it whole; any problem refuses it with its position or field, and the fix.
 * Nothing of the file's text is quoted: inquiry and subject files hold names and e-mail
 * addresses.
 */
export function readJsonFile<S extends z.ZodType>(source: FileSource, schema: S): z.output<S> {
  const file = source.name;
  const { text } = readTextFile(source);
  if (text.trim() === '')
    throw new InvalidInputError(file, [{ line: 1, field: '(json)', message: 'the file is empty; it needs one JSON object, e.g. {"field": "value"}' }]);
  const parsed = parseCheckedJson(text);
  if (!('value' in parsed)) {
    throw new InvalidInputError(file, [{ ...positionIn(text, parsed.offset), field: '(json)', message: `not valid JSON: ${parsed.message}` }]);
  }
  const checked = schema.safeParse(parsed.value);
  if (!checked.success) throw new InvalidInputError(file, zodProblems(checked.error));
  return checked.data;
}
