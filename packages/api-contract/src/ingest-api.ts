import { INVOICE_LINE_COLUMNS, InvoiceLineInputSchema, type InvoiceLineField } from '@retail/domain';
import { ACCEPTED_MEDIA_TYPES, MAX_BODY_BYTES, MAX_ROWS_PER_REQUEST } from './ingest-limits';
import * as z from 'zod';

/**
 * The ingest API, `POST /invoice-lines`. The request is described from the domain's own column list and input
 * schema (what the service parses with), the responses from what services/ingest/src/http-responses.ts answers.
 */

export {
  ACCEPTED_MEDIA_TYPES as INGEST_MEDIA_TYPES,
  MAX_BODY_BYTES as INGEST_MAX_BODY_BYTES,
  MAX_ROWS_PER_REQUEST as INGEST_MAX_ROWS,
};

const COLUMN_DESCRIPTIONS: Readonly<
  Record<InvoiceLineField, { description: string; example: string | number | null }>
> = {
  invoiceNo: {
    description: '6 digits, optionally prefixed with C (cancellation) or A (adjustment).',
    example: '536365',
  },
  stockCode: { description: 'The product (or POST, M, D, ... for non-products); case-sensitive.', example: '85123A' },
  description: {
    description: 'Free text; null or empty when the data set has none.',
    example: 'WHITE HANGING HEART T-LIGHT HOLDER',
  },
  quantity: { description: 'A whole number; negative on cancellations. 6.0 (pandas) reads as 6.', example: 6 },
  invoiceDate: {
    description: 'M/D/YYYY H:MM as the data set writes it (12/1/2010 8:26), M/D/YY H:MM, or ISO 8601.',
    example: '12/1/2010 8:26',
  },
  unitPrice: { description: 'A decimal with at most 3 places, as a number or text.', example: 2.55 },
  customerId: {
    description: 'Digits (17850.0 from pandas reads as 17850); null or empty when the data set has none.',
    example: 17850,
  },
  country: { description: "The customer's country.", example: 'United Kingdom' },
  lineNo: {
    description:
      "Not a column of the data set: the line's 1-based position within its invoice. Send it to keep exact duplicate rows (the loader does); without it a line is identified by its content.",
    example: 1,
  },
};

/** The first line of the data set, as the course's client posts it: one object, the data set's column names. */
export const FIRST_LINE_OF_THE_DATA_SET = {
  InvoiceNo: '536365',
  StockCode: '85123A',
  Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  Quantity: 6,
  InvoiceDate: '12/1/2010 8:26',
  UnitPrice: 2.55,
  CustomerID: 17850,
  Country: 'United Kingdom',
  // Its position: sending it again overwrites the same line (536365:1), so the known totals stay true.
  LineNo: 1,
};

const requiredFields = INVOICE_LINE_COLUMNS.filter(
  (column) => !InvoiceLineInputSchema.shape[column.field].safeParse(undefined).success,
);

/**
 * One row, keyed by any of each column's accepted names (the data set's, camelCase, Online Retail II's). JSON Schema
 * cannot say "one of these names is required" with `required`, hence the allOf of anyOf.
 */
export const InvoiceLineRowSchema = z
  .strictObject(
    Object.fromEntries(
      INVOICE_LINE_COLUMNS.flatMap((column) =>
        column.aliases.map((alias) => [
          alias,
          InvoiceLineInputSchema.shape[column.field].optional().meta({
            description:
              alias === column.datasetName
                ? COLUMN_DESCRIPTIONS[column.field].description
                : `Same as ${column.datasetName}.`,
            ...(alias === column.datasetName ? { examples: [COLUMN_DESCRIPTIONS[column.field].example] } : {}),
          }),
        ]),
      ),
    ),
  )
  .meta({
    description: 'One invoice line. Each column under one of its names; unknown columns are refused.',
    allOf: requiredFields.map((column) => ({ anyOf: column.aliases.map((alias) => ({ required: [alias] })) })),
    examples: [FIRST_LINE_OF_THE_DATA_SET],
  });

export const PutInvoiceLinesJsonBodySchema = z
  .union([InvoiceLineRowSchema, z.array(InvoiceLineRowSchema).min(1).max(MAX_ROWS_PER_REQUEST)])
  .meta({
    description: `One row (what the course's client sends, one request per row) or an array of at most ${MAX_ROWS_PER_REQUEST} rows, at most ${MAX_BODY_BYTES} bytes. All or nothing: one invalid row and nothing is written.`,
  });

export const PutInvoiceLinesCsvBodySchema = z.string().meta({
  description: `CSV with a header row of column names (the data set's export as is), at most ${MAX_ROWS_PER_REQUEST} data rows and ${MAX_BODY_BYTES} bytes.`,
  examples: [
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\n',
  ],
});

const row = z.number().int().positive().meta({ description: '1-based position of the row within the request.' });
const lineId = z
  .string()
  .min(1)
  .meta({
    description: "The line's id in every sink: <InvoiceNo>:<LineNo>, or <InvoiceNo>:c-<hash>-<n> without LineNo.",
    examples: ['536365:1'],
  });
const RowLineSchema = z.strictObject({ row, lineId });

export const InvoiceLinesAcceptedBodySchema = z
  .strictObject({
    accepted: z.number().int().positive(),
    lines: z.array(RowLineSchema).min(1).meta({ description: "Each row's line id, in request order." }),
  })
  .meta({
    description: 'Every row is on the stream; the sinks store it shortly. Sending the same rows again is safe.',
  });

export const RowProblemSchema = z
  .strictObject({
    row,
    field: z
      .string()
      .meta({ description: 'The column as the request named it; empty when the problem is the row as a whole.' }),
    message: z.string().min(1),
  })
  .meta({ description: 'One thing wrong with one row.' });

export const InvalidRowsBodySchema = z
  .strictObject({ message: z.string().min(1), problems: z.array(RowProblemSchema).min(1) })
  .meta({
    description: 'At least one row is not a valid invoice line; every problem is listed and nothing was written.',
  });

export const InvoiceLinesNotWrittenBodySchema = z
  .strictObject({
    message: z.string().min(1),
    accepted: z.number().int().nonnegative().meta({ description: 'Rows that did reach the stream.' }),
    failed: z
      .array(RowLineSchema)
      .min(1)
      .meta({ description: 'Rows to send again (or send the whole request again: same rows, same ids).' }),
  })
  .meta({ description: 'The stream refused some rows after retries (throttling or an outage); see Retry-After.' });

export type InvoiceLinesAcceptedBody = z.output<typeof InvoiceLinesAcceptedBodySchema>;
export type InvalidRowsBody = z.output<typeof InvalidRowsBodySchema>;
export type InvoiceLinesNotWrittenBody = z.output<typeof InvoiceLinesNotWrittenBodySchema>;
