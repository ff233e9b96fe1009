import type { InventoryItem, NumberedRecord } from '../activities/registry/import-inventory';
import { parseCheckedJson, positionIn, type TextPosition } from './json-text';
import { PendingProblems, validatedRecord } from './inventory-record';

/** A record is ids and references: an element this large is not one (and is not held in memory; the fuzz tests send ids of a million characters). */
const MAX_ELEMENT_CHARS = 16_000_000;

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

class Stop extends Error {}

/**
 * JSON inventories, `[{ recordId, dossier, subjectRef, locations: [{ system, locator }] }, …]`,
 * read element by element: a small scanner splits the top-level array (strings and
 * brackets tracked), each element is parsed and validated alone and given the line it
 * starts on. A million elements never make one parsed array. The first syntax error
 * ends the reading (positions after it cannot be trusted); problems found before it stay.
 */
export async function* jsonRecords(text: AsyncIterable<string>): AsyncGenerator<InventoryItem> {
  const problems = new PendingProblems();
  let state: 'before' | 'element-start' | 'element' | 'after' = 'before';
  let line = 1;
  let column = 1;
  let comma: TextPosition | undefined;
  // The element being read: its parts so far, where it starts, open brackets, string state.
  let parts: string[] = [];
  let length = 0;
  let start: TextPosition = { line: 1, column: 1 };
  let brackets: number[] = [];
  let inString = false;
  let escaped = false;
  const syntax = (at: TextPosition, message: string): never => {
    problems.add({ line: at.line, column: at.column, field: '(json)', message: `not valid JSON: ${message}` });
    throw new Stop();
  };
  /** Validates one element's text; a syntax error in it ends the reading. */
  const element = (body: string): NumberedRecord | undefined => {
    const parsed = parseCheckedJson(body);
    if (!('value' in parsed)) return syntax(positionIn(body, parsed.offset, start), parsed.message);
    return validatedRecord(start.line, parsed.value, problems);
  };
  try {
    for await (const chunk of text) {
      let from = 0;
      for (let i = 0; i < chunk.length; i += 1) {
        const c = chunk.charCodeAt(i);
        const atLine = line;
        const atColumn = column;
        if (c === NEWLINE) {
          line += 1;
          column = 1;
        } else if (c < 0xdc00 || c > 0xdfff) column += 1;
        if (state === 'element') {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === BACKSLASH) escaped = true;
            else if (c === QUOTE) inString = false;
            continue;
          }
          if (c === QUOTE) inString = true;
          else if (c === OPEN || c === OPEN_ARRAY) brackets.push(c);
          else if (c === CLOSE || c === CLOSE_ARRAY || c === COMMA) {
            const top = brackets.at(-1);
            if (c !== COMMA && top !== undefined) {
              brackets.pop();
              // A bracket that closes the wrong kind: the element's own parse says where and what.
              if ((top === OPEN) !== (c === CLOSE)) {
                element(parts.join('') + chunk.slice(from, i + 1));
                syntax({ line: atLine, column: atColumn }, 'a closing bracket of the wrong kind');
              }
              continue;
            }
            if (top !== undefined) continue;
            const record = element(parts.join('') + chunk.slice(from, i));
            parts = [];
            length = 0;
            yield* problems.drain();
            if (record) yield record;
            if (c === CLOSE) syntax({ line: atLine, column: atColumn }, "a '}' where a comma or the array's closing ']' is expected");
            state = c === COMMA ? 'element-start' : 'after';
            comma = c === COMMA ? { line: atLine, column: atColumn } : undefined;
          }
          continue;
        }
        if (isSpace(c)) continue;
        const here: TextPosition = { line: atLine, column: atColumn };
        if (state === 'before') {
          if (c === OPEN) {
            problems.add({
              line: here.line,
              field: '(json)',
              message: 'the file must hold a JSON array of records, e.g. [{"recordId": "R-1", ...}], not one object',
            });
            throw new Stop();
          }
          if (c !== OPEN_ARRAY) syntax(here, "a JSON inventory starts with '[' (an array of records)");
          state = 'element-start';
        } else if (state === 'element-start') {
          if (c === CLOSE_ARRAY) {
            if (comma) syntax(comma, "a trailing comma before the closing ']'; JSON allows none: remove it");
            state = 'after';
            continue;
          }
          state = 'element';
          start = here;
          from = i;
          brackets = [];
          if (c === QUOTE) inString = true;
          else if (c === OPEN || c === OPEN_ARRAY) brackets.push(c);
          else if (c === COMMA) syntax(here, 'a comma where a record is expected');
        } else {
          syntax(here, "more follows the array's closing ']'; the file holds one array");
        }
      }
      if (state === 'element') {
        length += chunk.length - from;
        if (length > MAX_ELEMENT_CHARS)
          syntax(start, `an element longer than ${MAX_ELEMENT_CHARS} characters; a record holds ids and references only (is a quote or bracket not closed?)`);
        parts.push(chunk.slice(from));
      }
    }
    const ended = state as string;
    if (ended === 'before') {
      problems.add({ line: 1, field: '(json)', message: 'the file is empty; it needs a JSON array of records, e.g. [{"recordId": "R-1", ...}]' });
    } else if (ended !== 'after') {
      if (ended === 'element' && (inString || brackets.length)) {
        const record = element(parts.join(''));
        yield* problems.drain();
        if (record) yield record;
      }
      syntax({ line, column }, "the file ends before the array's closing ']' (is it cut short?)");
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  yield* problems.drain();
}
