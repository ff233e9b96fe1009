import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../cli/json-file';
import { localFile } from '../../cli/text-file';
import { InvalidInputError, type InputProblem } from '../../schemas/errors';

const inquirySchema = z.strictObject({ name: z.string(), residence: z.string(), email: z.string() });

/** The personal data in the files below: none of it may appear in a refusal. */
const PERSONAL = ['Fatima el Idrissi', 'Idrissi', 'Zaandam', 'fatima@example.org'];

describe('readJsonFile - syntax errors by line and column, never quoting the file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'json-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function refused(text: string): InputProblem {
    const file = join(dir, 'inquiry.json');
    writeFileSync(file, text);
    let error: unknown;
    try {
      readJsonFile(localFile(file), inquirySchema);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const refusal = error as InvalidInputError;
    for (const personal of PERSONAL) expect(refusal.message).not.toContain(personal);
    expect(refusal.problems).toHaveLength(1);
    return refusal.problems[0] as InputProblem;
  }

  it.each([
    [
      'a missing comma',
      '{\n  "name": "Fatima el Idrissi",\n  "residence": "Zaandam"\n  "email": "fatima@example.org"\n}',
      { line: 4, column: 3, message: 'not valid JSON: a comma (or a closing bracket) is missing before this' },
    ],
    [
      'a trailing comma',
      '{\n  "name": "Fatima el Idrissi",\n  "residence": "Zaandam",\n  "email": "fatima@example.org",\n}\n',
      { line: 4, column: 32, message: "not valid JSON: a trailing comma before the closing '}'; JSON allows none: remove it" },
    ],
    [
      'single quotes',
      "{'name': 'Fatima el Idrissi'}",
      { line: 1, column: 2, message: 'not valid JSON: a single quote; JSON writes field names and strings in double quotes' },
    ],
    [
      'a string not closed',
      '{"name": "Fatima el Idrissi, "residence": "Zaandam"}',
      { line: 1, column: 31, message: 'not valid JSON: a word JSON does not know; a value is a "string" in double quotes, a number, true, false or null' },
    ],
    [
      'a file cut short',
      '{"name": "Fatima el Idrissi",\n "residence": "Zaandam"',
      { line: 2, column: 24, message: "not valid JSON: the text ends before the closing '}' (is the file cut short?)" },
    ],
    [
      'a comment',
      '// from the e-mail of Fatima el Idrissi\n{"name": "x"}',
      { line: 1, column: 1, message: 'not valid JSON: a comment; JSON has none: remove it' },
    ],
    [
      'a tab inside a string',
      '{"name": "Fatima\tel Idrissi"}',
      { line: 1, column: 10, message: expect.stringContaining('a control character (a tab or a line break) inside a string') },
    ],
  ])('%s - is named with its line and column', (_what, text, expected) => {
    expect(refused(text)).toEqual({ field: '(json)', ...expected });
  });

  it('an empty file - says it is empty', () => {
    expect(refused('')).toEqual({ line: 1, field: '(json)', message: expect.stringContaining('the file is empty') });
    expect(refused('  \r\n ')).toEqual({ line: 1, field: '(json)', message: expect.stringContaining('the file is empty') });
  });
});
