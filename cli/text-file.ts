import { readFileSync, statSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { InvalidInputError } from '../schemas/errors';

/** The encodings a text file is read in; anything else is refused by name. */
export type TextEncoding = 'UTF-8' | 'UTF-8 with BOM' | 'UTF-16 LE with BOM' | 'UTF-16 BE with BOM';

export const SAVE_AS_UTF8 = 'save the file as UTF-8 (in Excel: Save As "CSV UTF-8"; in an editor: encoding UTF-8), then try again';

/** Bytes looked at before the encoding is decided: BOMs, zip signatures, UTF-16's zero bytes. */
const HEAD_BYTES = 512;

const startsWith = (bytes: Uint8Array, ...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** Code points in a string (a surrogate pair counts once), for columns as an editor shows them. */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff) n -= 1;
  }
  return n;
}

/** Where a UTF-8 buffer's last complete character ends: the rest waits for the next chunk. */
function completeUtf8(bytes: Uint8Array): number {
  let i = bytes.length - 1;
  while (i >= 0 && bytes.length - i < 4 && ((bytes[i] as number) & 0xc0) === 0x80) i -= 1;
  if (i < 0) return bytes.length;
  const lead = bytes[i] as number;
  const needs = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - i < needs ? i : bytes.length;
}

/** Windows-1252 and Latin-1 put letters (é, ö, ß) in single bytes 0xC0–0xFF that UTF-8 never uses alone. */
function looksSingleByte(bytes: Uint8Array, at: number): boolean {
  const b = bytes[at] as number;
  const next = bytes[at + 1];
  const continues = next !== undefined && (next & 0xc0) === 0x80;
  return b >= 0x80 && !((b & 0xe0) === 0xc0 && continues) && !((b & 0xf0) === 0xe0 && continues);
}

/**
 * Bytes to text, chunk by chunk, by the rules every file the product reads follows:
 * UTF-8 with or without a BOM; UTF-16 with a BOM decoded; UTF-32, UTF-16 without a BOM,
 * spreadsheets and archives refused by name; bytes that are not UTF-8 refused with the
 * line and column of the first one and the fix. A replacement character (U+FFFD) is
 * refused too, wherever it comes from: it never reaches a name or a hash. Refusals name
 * positions and encodings, never the bytes' characters (they may be personal data).
 */
export class TextDecoding {
  private head: Uint8Array | undefined = new Uint8Array(0);
  private utf16?: TextDecoder;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private carry: Uint8Array = new Uint8Array(0);
  private line = 1;
  private column = 1;
  encoding?: TextEncoding;

  constructor(readonly source: string) {}

  private refuse(message: string, at: { line: number; column: number } = { line: 1, column: 1 }): never {
    throw new InvalidInputError(this.source, [{ line: at.line, column: at.column, field: '(encoding)', message }]);
  }

  /** The text of the complete characters so far; refuses the file at the first problem. */
  write(chunk: Uint8Array): string {
    if (this.head) {
      const joined = new Uint8Array(this.head.length + chunk.length);
      joined.set(this.head);
      joined.set(chunk, this.head.length);
      if (joined.length < HEAD_BYTES) {
        this.head = joined;
        return '';
      }
      this.head = undefined;
      return this.decode(this.detect(joined), false);
    }
    return this.decode(chunk, false);
  }

  /** The rest of the text at the end of the file. */
  end(): string {
    if (this.head) {
      const head = this.head;
      this.head = undefined;
      return this.decode(this.detect(head), true);
    }
    return this.decode(new Uint8Array(0), true);
  }

  /** Decides the encoding from the first bytes; returns the bytes after the BOM. */
  private detect(bytes: Uint8Array): Uint8Array {
    if (startsWith(bytes, 0xff, 0xfe, 0, 0) || startsWith(bytes, 0, 0, 0xfe, 0xff)) {
      this.refuse(`is UTF-32 (its byte-order mark says so), which is not read; ${SAVE_AS_UTF8}`);
    }
    if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04))
      this.refuse('is a ZIP archive (an Excel .xlsx workbook is one), not a text file; in Excel use Save As "CSV UTF-8"');
    if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0))
      this.refuse('is an Office document (an Excel .xls workbook), not a text file; in Excel use Save As "CSV UTF-8"');
    if (startsWith(bytes, 0xef, 0xbb, 0xbf)) {
      this.encoding = 'UTF-8 with BOM';
      return bytes.subarray(3);
    }
    if (startsWith(bytes, 0xff, 0xfe) || startsWith(bytes, 0xfe, 0xff)) {
      const le = bytes[0] === 0xff;
      this.encoding = le ? 'UTF-16 LE with BOM' : 'UTF-16 BE with BOM';
      this.utf16 = new TextDecoder(le ? 'utf-16le' : 'utf-16be', { fatal: false, ignoreBOM: true });
      return bytes.subarray(2);
    }
    // Mostly-ASCII UTF-16 has a zero in every other byte: decoded as UTF-8 it would pass, as nonsense.
    const pairs = Math.floor(Math.min(bytes.length, HEAD_BYTES) / 2);
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i < pairs; i += 1) {
      if (bytes[2 * i] === 0) evenZeros += 1;
      if (bytes[2 * i + 1] === 0) oddZeros += 1;
    }
    if (pairs >= 2 && Math.max(evenZeros, oddZeros) >= pairs * 0.3 && Math.min(evenZeros, oddZeros) <= pairs * 0.05) {
      this.refuse(
        `looks like UTF-16 ${oddZeros > evenZeros ? 'LE' : 'BE'} without a byte-order mark (every other byte is zero), which cannot be read safely; ${SAVE_AS_UTF8}`,
      );
    }
    this.encoding = 'UTF-8';
    return bytes;
  }

  private decode(bytes: Uint8Array, last: boolean): string {
    if (this.utf16) return this.checked(this.utf16.decode(bytes, { stream: !last }), undefined, last);
    let whole = bytes;
    if (this.carry.length) {
      whole = new Uint8Array(this.carry.length + bytes.length);
      whole.set(this.carry);
      whole.set(bytes, this.carry.length);
    }
    const cut = last ? whole.length : completeUtf8(whole);
    this.carry = whole.slice(cut);
    const piece = whole.subarray(0, cut);
    return this.checked(this.utf8.decode(piece), piece, last);
  }

  /** Refuses a replacement character in decoded text (from a bad byte, or already in the file); counts lines. */
  private checked(text: string, bytes: Uint8Array | undefined, last: boolean): string {
    const bad = text.indexOf('\uFFFD');
    if (bad < 0) {
      this.advance(text);
      return text;
    }
    const at = this.advance(text.slice(0, bad));
    if (!bytes)
      this.refuse(
        `holds a broken character (an unpaired UTF-16 surrogate, half a character at the end, or a replacement character U+FFFD); ${SAVE_AS_UTF8}`,
        at,
      );
    // Everything before `bad` decoded cleanly, so its UTF-8 length is where the bad byte sits.
    const offset = Buffer.byteLength(text.slice(0, bad));
    if (startsWith(bytes.subarray(offset), 0xef, 0xbf, 0xbd)) {
      this.refuse(
        'holds a replacement character (U+FFFD): the text was converted from another encoding with losses at some time, so a name in it may no longer match; correct it from the original and save it as UTF-8',
        at,
      );
    }
    const lead = bytes[offset] as number;
    const needs = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    const rest = bytes.subarray(offset + 1);
    if (last && lead >= 0xc2 && rest.length > 0 && rest.length < needs - 1 && rest.every((b) => (b & 0xc0) === 0x80)) {
      this.refuse(`ends in the middle of a UTF-8 character (the file is cut short, or not UTF-8); ${SAVE_AS_UTF8}`, at);
    }
    const latin = looksSingleByte(bytes, offset)
      ? ': the bytes look like Latin-1 or Windows-1252 ("ANSI"), where letters such as ö and é are single bytes'
      : '';
    this.refuse(`is not valid UTF-8 here${latin}; ${SAVE_AS_UTF8}`, at);
  }

  /** Moves the position past `text`; returns the position after it. */
  private advance(text: string): { line: number; column: number } {
    let newline = text.indexOf('\n');
    if (newline < 0) {
      this.column += codePoints(text);
    } else {
      let lastNewline = newline;
      while (newline >= 0) {
        this.line += 1;
        lastNewline = newline;
        newline = text.indexOf('\n', newline + 1);
      }
      this.column = 1 + codePoints(text.slice(lastNewline + 1));
    }
    return { line: this.line, column: this.column };
  }
}

/**
 * A file a person hands in: its name as they gave it (for messages; the content is never
 * quoted) and its bytes. The CLI reads it on the person's machine and sends it to the
 * service, which reads it from memory: no copy of it is written on the way.
 */
export interface FileSource {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A file on this machine, read whole; one that cannot be read is refused with the reason. */
export function localFile(path: string): FileSource {
  try {
    if (!statSync(path).isFile()) throw new Error('it is not a file');
    return { name: path, bytes: readFileSync(path) };
  } catch (err) {
    throw new InvalidInputError(path, [{ field: '(file)', message: `cannot be read: ${(err as Error).message}` }]);
  }
}

/** A whole (small) text file: inquiry, subject and policy files. */
export function readTextFile(file: FileSource): { text: string; encoding: TextEncoding } {
  const decoding = new TextDecoding(file.name);
  const text = decoding.write(file.bytes) + decoding.end();
  return { text, encoding: decoding.encoding ?? 'UTF-8' };
}

/** A large text file as decoded chunks, read as they are consumed. */
export async function* textChunks(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, decoding: TextDecoding): AsyncGenerator<string> {
  for await (const chunk of bytes) {
    const text = decoding.write(chunk);
    if (text) yield text;
  }
  const rest = decoding.end();
  if (rest) yield rest;
}

/** The file's bytes in 64 KiB chunks, so that a large inventory is parsed as it is consumed. */
export function* fileBytes(file: FileSource, onChunk?: (bytes: Uint8Array) => void): Generator<Uint8Array> {
  for (let at = 0; at < file.bytes.length; at += 1 << 16) {
    const chunk = file.bytes.subarray(at, at + (1 << 16));
    onChunk?.(chunk);
    yield chunk;
  }
}
