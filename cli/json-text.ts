import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';

/** A line and column (1-based), counted in characters as an editor shows them. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** The position of `offset` in `text`, which itself starts at `start`. */
export function positionIn(text: string, offset: number, start: TextPosition = { line: 1, column: 1 }): TextPosition {
  let { line, column } = start;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line += 1;
      column = 1;
    } else if (c < 0xdc00 || c > 0xdfff) column += 1;
  }
  return { line, column };
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function previousNonSpace(text: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0 && isSpace(text[i])) i -= 1;
  return i;
}

/**
 * What is wrong at a jsonc-parser error, in words: never the text itself (V8's
 * JSON.parse messages quote it, and a name or an e-mail address would end up on a screen).
 */
function describe(code: string, text: string, offset: number): { offset: number; message: string } {
  const here = text[offset];
  const atEnd = offset >= text.length;
  const closing = here === '}' || here === ']';
  switch (code) {
    case 'PropertyNameExpected':
    case 'ValueExpected': {
      const before = previousNonSpace(text, offset);
      if (closing && text[before] === ',') return { offset: before, message: `a trailing comma before the closing '${here}'; JSON allows none: remove it` };
      if (atEnd) return { offset, message: 'the text ends where a value is expected (is the file cut short?)' };
      return { offset, message: code === 'PropertyNameExpected' ? 'a field name in double quotes is expected here' : 'a value is expected here' };
    }
    case 'InvalidSymbol':
      if (here === "'") return { offset, message: 'a single quote; JSON writes field names and strings in double quotes' };
      if (here !== undefined && /[A-Za-z]/.test(here))
        return { offset, message: 'a word JSON does not know; a value is a "string" in double quotes, a number, true, false or null' };
      return { offset, message: 'a character that does not belong here' };
    case 'InvalidNumberFormat':
      return { offset, message: 'a number JSON cannot read (digits, an optional - . and exponent)' };
    case 'ColonExpected':
      return { offset, message: 'a colon (:) is expected after the field name' };
    case 'CommaExpected':
      if (text[offset - 1] === '0' && /[0-9]/.test(here ?? ''))
        return { offset: offset - 1, message: 'a number starting with 0; JSON writes numbers without leading zeros (or as a "string")' };
      return { offset, message: 'a comma (or a closing bracket) is missing before this' };
    case 'CloseBraceExpected':
    case 'CloseBracketExpected': {
      const wanted = code === 'CloseBraceExpected' ? '}' : ']';
      return { offset, message: atEnd ? `the text ends before the closing '${wanted}' (is the file cut short?)` : `a closing '${wanted}' is expected here` };
    }
    case 'EndOfFileExpected':
      return { offset, message: 'more follows the end of the JSON value; the file holds one value' };
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return { offset, message: 'a comment; JSON has none: remove it' };
    case 'UnexpectedEndOfString':
      return { offset, message: 'a string that is not closed: its closing double quote is missing' };
    case 'UnexpectedEndOfNumber':
      return { offset, message: 'a number that ends too early (a digit is missing after - . or e)' };
    case 'InvalidUnicode':
      return { offset, message: 'a \\u escape needs four hexadecimal digits' };
    case 'InvalidEscapeCharacter':
      return { offset, message: 'a backslash that starts no JSON escape; write \\\\ for a backslash' };
    case 'InvalidCharacter':
      return { offset, message: 'a control character (a tab or a line break) inside a string; write it as \\t or \\n' };
    default:
      return { offset, message: 'not valid JSON here' };
  }
}

/** The first syntax error of a JSON text (offset and words), or undefined when it is valid JSON. */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let first: { offset: number; message: string } | undefined;
  visit(
    text,
    {
      onError: (code: ParseErrorCode, offset: number) => {
        first ??= describe(printParseErrorCode(code), text, offset);
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  return first;
}

/**
 * Parses JSON text that `jsonSyntaxError` found valid. Should JSON.parse still refuse it,
 * only the position is taken from its message (the rest quotes the text).
 */
export function parseCheckedJson(text: string): { value: unknown } | { offset: number; message: string } {
  const error = jsonSyntaxError(text);
  if (error) return error;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message);
    return { offset: position ? Number(position[1]) : 0, message: 'not valid JSON here; check commas, quotes and brackets' };
  }
}
