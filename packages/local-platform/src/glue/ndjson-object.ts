import { gunzipSync } from 'node:zlib';

/** An NDJSON line that is not a JSON object: which object, which line (1-based), why. */
export interface NdjsonLineProblem {
  key: string;
  line: number;
  message: string;
}

export interface NdjsonLine {
  /** 1-based, as an editor shows it. */
  line: number;
  record: Record<string, unknown>;
}

export interface DecodedObject {
  text: string;
  /** gzip, recognised by its magic bytes as Glue's classifiers do (not by the key's extension). */
  compressionType: 'gzip' | 'none';
}

const GZIP_MAGIC = [0x1f, 0x8b];

export function decodeObject(bytes: Buffer, key: string): DecodedObject {
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      return { text: gunzipSync(bytes).toString('utf8'), compressionType: 'gzip' };
    } catch (error) {
      throw new Error(`${key} starts like gzip but does not gunzip: ${(error as Error).message}`);
    }
  }
  return { text: bytes.toString('utf8'), compressionType: 'none' };
}

/** Every line of the text that holds a JSON object; blank lines are skipped, anything else is a problem. */
export function* ndjsonLines(
  text: string,
  key: string,
  problems: NdjsonLineProblem[],
): Generator<NdjsonLine, void, undefined> {
  let start = 0;
  for (let line = 1; start < text.length; line += 1) {
    const end = text.indexOf('\n', start);
    const content = text.slice(start, end < 0 ? text.length : end).trim();
    start = end < 0 ? text.length : end + 1;
    if (content === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(content);
    } catch (error) {
      problems.push({ key, line, message: `is not JSON (${(error as Error).message})` });
      continue;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      problems.push({ key, line, message: 'is JSON but not an object' });
      continue;
    }
    yield { line, record: record as Record<string, unknown> };
  }
}

export function describeProblem(bucket: string, problem: NdjsonLineProblem): string {
  return `s3://${bucket}/${problem.key} line ${problem.line} ${problem.message}: skipped`;
}
