/**
 * Walks the JSON texts of an object as Redshift's COPY JSON reads them: objects or arrays one after another, with or
 * without white space between them. "The following example shows a JSON data structure with two valid objects"
 * (COPY from JSON format) shows them on consecutive lines; Firehose stages records "without any delimiters"
 * (Understand data delivery in Amazon Data Firehose), `{..}{..}`, and the raw archive is newline-delimited: all three
 * read alike. Written here because JSON.parse takes one text and the streaming parsers on npm either need a separator
 * or parse values we then only re-serialise; this scans brackets and strings only, jumping over string contents.
 */
export class ConcatenatedJsonScanner {
  /** The current text (after next() returned true). */
  text = '';
  /**
   * 1-based line of the text's last character: "The LINE_NUMBER column records the last line of the JSON object that
   * caused the error" (Data format parameters).
   */
  lineNumber = 0;
  private index = 0;
  private line = 1;

  constructor(private readonly content: string) {}

  /** Moves to the next JSON text; false at the end. */
  next(): boolean {
    const content = this.content;
    const length = content.length;
    let index = this.index;
    let line = this.line;
    let code = 0;
    for (; index < length; index++) {
      code = content.charCodeAt(index);
      if (code === NEWLINE) line++;
      else if (code !== SPACE && code !== TAB && code !== CARRIAGE_RETURN) break;
    }
    if (index >= length) {
      this.index = index;
      this.line = line;
      return false;
    }
    const start = index;
    if (code !== OPEN_BRACE && code !== OPEN_BRACKET) {
      // A bare scalar (or string) is no record: Redshift rejects it, so only its extent matters here.
      index = code === QUOTE ? endOfString(content, index + 1) + 1 : endOfScalar(content, index);
      return this.found(start, index, line);
    }
    let depth = 0;
    for (; index < length; index++) {
      code = content.charCodeAt(index);
      if (code === QUOTE) index = endOfString(content, index + 1);
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        if (--depth === 0) return this.found(start, index + 1, line);
      } else if (code === NEWLINE) line++;
    }
    // Unterminated: the rest is one (invalid) text.
    return this.found(start, length, line);
  }

  private found(start: number, end: number, line: number): boolean {
    this.text = this.content.slice(start, end);
    this.lineNumber = line;
    this.index = end;
    this.line = line;
    return true;
  }
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** The index of the quote that closes a string whose contents start at `from` (the last index if none does). */
function endOfString(content: string, from: number): number {
  let index = from;
  for (;;) {
    const quote = content.indexOf('"', index);
    if (quote === -1) return content.length - 1;
    // Escaped when an odd number of backslashes stands before it.
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && content.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    index = quote + 1;
  }
}

function endOfScalar(content: string, from: number): number {
  let index = from + 1;
  for (; index < content.length; index++) {
    const code = content.charCodeAt(index);
    if (code === SPACE || code === TAB || code === NEWLINE || code === CARRIAGE_RETURN) break;
    if (code === OPEN_BRACE || code === OPEN_BRACKET || code === QUOTE) break;
  }
  return index;
}

/** Every JSON text of `content`, with its line: for tests and small inputs (COPY walks a scanner). */
export function splitConcatenatedJson(content: string): { text: string; lineNumber: number }[] {
  const scanner = new ConcatenatedJsonScanner(content);
  const texts: { text: string; lineNumber: number }[] = [];
  while (scanner.next()) texts.push({ text: scanner.text, lineNumber: scanner.lineNumber });
  return texts;
}
