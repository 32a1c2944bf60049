import { CsvFormatError, parseInvoiceLineCsvText } from '@retail/domain';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { RequestTooLargeError, UnreadableRequestError, UnsupportedMediaTypeError } from './ingest-errors';
import { ACCEPTED_MEDIA_TYPES, MAX_BODY_BYTES, MAX_ROWS_PER_REQUEST } from '@retail/api-contract';

type AcceptedMediaType = (typeof ACCEPTED_MEDIA_TYPES)[number];
type HttpRequest = Pick<APIGatewayProxyEvent, 'headers' | 'body' | 'isBase64Encoded'>;

const HOW_TO_SEND = 'send one invoice line as a JSON object, an array of them, or text/csv with a header row';

/**
 * The rows of a `POST /invoice-lines` body, not yet validated: one JSON object, a JSON array, or CSV records keyed
 * by its header. Refuses what cannot be rows (415, 413, 400) before any row is looked at.
 */
export function readRequestRows(request: HttpRequest): unknown[] {
  const mediaType = readContentType(headerValue(request.headers, 'content-type'));
  const text = readBodyText(request, mediaType.charset);
  if (text.trim() === '') throw new UnreadableRequestError(`the body is empty: ${HOW_TO_SEND}`);
  const rows = mediaType.type === 'text/csv' ? rowsFromCsv(text) : rowsFromJson(text);
  if (rows.length > MAX_ROWS_PER_REQUEST) {
    throw new RequestTooLargeError(
      `the request holds ${rows.length} rows; at most ${MAX_ROWS_PER_REQUEST} are accepted per request: split them over several requests`,
    );
  }
  return rows;
}

function headerValue(headers: HttpRequest['headers'] | null, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

function readContentType(header: string | undefined): { type: AcceptedMediaType; charset: string } {
  // The course client posts each row with no Content-Type at all.
  if (header === undefined || header.trim() === '') return { type: 'application/json', charset: 'utf-8' };
  const [essence = '', ...parameters] = header.split(';');
  const type = ACCEPTED_MEDIA_TYPES.find((accepted) => accepted === essence.trim().toLowerCase());
  if (type === undefined) {
    throw new UnsupportedMediaTypeError(
      `Content-Type '${header}' is not accepted: use ${ACCEPTED_MEDIA_TYPES.join(' or ')} (${HOW_TO_SEND})`,
    );
  }
  const charsetParameter = parameters
    .map((p) => p.trim().split('='))
    .find(([key]) => key?.trim().toLowerCase() === 'charset');
  const charset = charsetParameter?.[1]?.trim().replace(/^"(.*)"$/, '$1') ?? 'utf-8';
  try {
    new TextDecoder(charset);
  } catch {
    throw new UnsupportedMediaTypeError(
      `charset '${charset}' in Content-Type '${header}' is not one this endpoint can decode: send UTF-8`,
    );
  }
  return { type, charset };
}

function readBodyText(request: HttpRequest, charset: string): string {
  const body = request.body ?? '';
  const bytes = request.isBase64Encoded ? Buffer.byteLength(body, 'base64') : Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new RequestTooLargeError(
      `the body is ${bytes} bytes; at most ${MAX_BODY_BYTES} (5 MiB) are accepted per request: split the rows over several requests`,
    );
  }
  let text: string;
  if (request.isBase64Encoded) {
    try {
      text = new TextDecoder(charset, { fatal: true }).decode(Buffer.from(body, 'base64'));
    } catch {
      throw new UnreadableRequestError(
        `the body is not valid ${charset} text: send it encoded as the Content-Type's charset says (UTF-8 if none)`,
      );
    }
  } else {
    // A text body reaches the function already decoded as UTF-8; bytes that were not UTF-8 arrive as U+FFFD.
    if (body.includes('\uFFFD')) {
      throw new UnreadableRequestError(
        'the body contains U+FFFD replacement characters, so it was not UTF-8 when sent (the data set file is ISO-8859-1): re-encode it as UTF-8',
      );
    }
    text = body;
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function rowsFromJson(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UnreadableRequestError(`the body is not valid JSON (${(error as Error).message}): ${HOW_TO_SEND}`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw new UnreadableRequestError(`the body is an empty array: ${HOW_TO_SEND}`);
    return parsed;
  }
  if (typeof parsed === 'object' && parsed !== null) return [parsed];
  throw new UnreadableRequestError(
    `the body is JSON ${parsed === null ? 'null' : `of type ${typeof parsed}`}, not an invoice line: ${HOW_TO_SEND}`,
  );
}

function rowsFromCsv(text: string): unknown[] {
  let records: Record<string, string>[];
  try {
    records = parseInvoiceLineCsvText(text);
  } catch (error) {
    if (error instanceof CsvFormatError) throw new UnreadableRequestError(error.message);
    throw error;
  }
  if (records.length === 0)
    throw new UnreadableRequestError('the CSV body has a header but no data rows: send at least one invoice line');
  return records;
}
