/** One top-level JSON text of a staged object, with where Redshift would say it is. */
export interface ConcatenatedJsonText {
  text: string;
  /** 1-based line of the text's last character: what stl_load_errors.line_number gives for JSON. */
  lineNumber: number;
}

/**
 * Splits Firehose's staged bytes into their records: JSON texts concatenated without a delimiter (`{..}{..}`), as
 * Redshift's COPY JSON reads them. Written here because JSON.parse takes one text and the streaming parsers on npm
 * either need a separator or parse values we then only re-serialise; this scans braces, brackets and strings only.
 */
export function splitConcatenatedJson(content: string): ConcatenatedJsonText[] {
  const texts: ConcatenatedJsonText[] = [];
  let line = 1;
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < content.length; index++) {
    const character = content[index]!;
    if (character === '\n') line++;
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
      continue;
    }
    if (start === -1) {
      if (/\s/.test(character)) continue;
      start = index;
      if (character !== '{' && character !== '[') {
        // A bare scalar (or string) is no record: Redshift rejects it, so only its extent matters here.
        let end = index;
        if (character === '"') {
          end++;
          while (end < content.length && content[end] !== '"') end += content[end] === '\\' ? 2 : 1;
        } else while (end + 1 < content.length && !/[\s{["]/.test(content[end + 1]!)) end++;
        texts.push({ text: content.slice(start, end + 1), lineNumber: line });
        index = end;
        start = -1;
        continue;
      }
    }
    if (character === '"') {
      inString = true;
      continue;
    }
    if (character === '{' || character === '[') depth++;
    else if (character === '}' || character === ']') depth--;
    if (depth === 0) {
      texts.push({ text: content.slice(start, index + 1), lineNumber: line });
      start = -1;
    }
  }
  if (start !== -1) texts.push({ text: content.slice(start), lineNumber: line });
  return texts;
}
