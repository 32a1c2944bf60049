import * as z from 'zod';
import {
  ACCEPTED_COLUMN_NAMES,
  datasetNameOf,
  fieldForColumnName,
  type InvoiceLineField,
} from './invoice-line-columns';
import { ACCEPTED_DATE_FORMATS, parseInvoiceDate } from './invoice-date';
import { invoiceKindOf, type InvoiceLineEvent } from './invoice-line-event';
import { contentLineId, positionalLineId } from './line-identity';
import { milliToNumber, parseMilli } from './money';
import { stockCodeKindOf } from './stock-code';

/** One thing wrong with one row: `row` is 1-based within the request or file, `field` the column as sent. */
export interface RowProblem {
  row: number;
  field: string;
  message: string;
}

const absent = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
const textOrNumber = z.union([z.string(), z.number()], {
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string or a number'),
});

const invoiceNo = textOrNumber
  .transform((v) => String(v).trim())
  .pipe(
    z.string().regex(/^[CA]?\d{6}$/, {
      error: (i) =>
        `'${String(i.input)}' is not an invoice number: expected 6 digits, optionally prefixed with C (cancellation) or A (adjustment), e.g. 536365 or C536379`,
    }),
  );

const stockCode = textOrNumber
  .transform((v) => String(v).trim())
  .pipe(z.string().min(1, { error: 'must not be empty' }).max(64, { error: 'is longer than 64 characters' }));

const optionalText = (max: number) =>
  z
    .union([z.string(), z.null()], { error: 'must be a string or null' })
    .optional()
    .transform((v) => (absent(v) ? null : (v as string).trim()))
    .pipe(
      z
        .string()
        .max(max, { error: `is longer than ${max} characters` })
        .nullable(),
    );

const integerText = (what: string) =>
  textOrNumber.transform((v, ctx) => {
    const text = String(v).trim();
    // pandas writes integer columns that had a NaN as floats: 6.0 is the integer 6.
    const match = /^([+-]?\d+)(?:\.0*)?$/.exec(text);
    const n = match ? Number(match[1]) : NaN;
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `'${text}' is not ${what}` });
      return z.NEVER;
    }
    return n;
  });

const quantity = integerText('a whole number').pipe(
  z.number().refine((n) => Math.abs(n) <= 10_000_000, { error: 'is out of range (|quantity| <= 10,000,000)' }),
);

const lineNo = z
  .union([integerText('a positive whole number'), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null ? null : v))
  .pipe(
    z
      .number()
      .int()
      .positive({ error: 'must be a positive whole number (the line position within its invoice, from 1)' })
      .nullable(),
  );

const unitPrice = textOrNumber.transform((v, ctx) => {
  const parsed = parseMilli(v);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `${parsed.reason}: expected a price such as 2.55` });
    return z.NEVER;
  }
  return parsed.milli;
});

const invoiceDate = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : `must be a string: ${ACCEPTED_DATE_FORMATS}`) })
  .transform((v, ctx) => {
    const parsed = parseInvoiceDate(v);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    }
    return parsed.iso;
  });

const customerId = z
  .union([z.string(), z.number(), z.null()], { error: 'must be a number, a string or null' })
  .optional()
  .transform((v, ctx) => {
    if (absent(v)) return null;
    // pandas writes the column as float because of its empty cells: 17850.0 is customer 17850.
    const match = /^(\d{1,12})(?:\.0*)?$/.exec(String(v).trim());
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `'${String(v)}' is not a customer id: expected digits such as 17850` });
      return z.NEVER;
    }
    return String(Number(match[1]));
  });

const country = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
  .transform((v) => v.trim())
  .pipe(z.string().min(1, { error: 'must not be empty' }).max(100, { error: 'is longer than 100 characters' }));

/** An invoice line as clients send it, keyed by canonical field after column names are mapped. */
export const InvoiceLineInputSchema = z.object({
  invoiceNo,
  stockCode,
  description: optionalText(500),
  quantity,
  invoiceDate,
  unitPrice,
  customerId,
  country,
  lineNo,
});
type InvoiceLineInput = z.output<typeof InvoiceLineInputSchema>;

export type InvoiceLinesRead = { ok: true; lines: InvoiceLineEvent[] } | { ok: false; problems: RowProblem[] };

/**
 * Reads rows as clients send them (data set, camelCase or Online Retail II column names; numbers or strings;
 * null or empty for a missing customer or description) into canonical events. All or nothing: any problem in
 * any row and no line is returned. `firstRow` numbers the rows in problems (1 for a request, the data row
 * number for a file).
 */
export function readInvoiceLines(rows: readonly unknown[], firstRow = 1): InvoiceLinesRead {
  const problems: RowProblem[] = [];
  const inputs: InvoiceLineInput[] = [];
  rows.forEach((raw, index) => {
    const row = firstRow + index;
    const renamed = renameColumns(raw, row, problems);
    if (!renamed) return;
    const problemsBefore = problems.length;
    const parsed = InvoiceLineInputSchema.safeParse(renamed.values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as InvoiceLineField | undefined;
        problems.push({
          row,
          field: field ? (renamed.sentNames.get(field) ?? datasetNameOf(field)) : '',
          message: issue.message,
        });
      }
      return;
    }
    if (problems.length === problemsBefore && renamed.columnsOk) inputs.push(parsed.data);
  });
  if (problems.length > 0) return { ok: false, problems };
  return identifyLines(inputs, firstRow);
}

function renameColumns(raw: unknown, row: number, problems: RowProblem[]) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({
      row,
      field: '',
      message: `a row must be an object keyed by column name, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`,
    });
    return undefined;
  }
  const values: Partial<Record<InvoiceLineField, unknown>> = {};
  const sentNames = new Map<InvoiceLineField, string>();
  let ok = true;
  for (const [name, value] of Object.entries(raw)) {
    const field = fieldForColumnName(name);
    if (!field) {
      problems.push({
        row,
        field: name,
        message: `unknown column; accepted columns are ${ACCEPTED_COLUMN_NAMES.join(', ')}`,
      });
      ok = false;
    } else if (sentNames.has(field)) {
      problems.push({ row, field: name, message: `the same column was also sent as '${sentNames.get(field)}'` });
      ok = false;
    } else {
      values[field] = value;
      sentNames.set(field, name);
    }
  }
  return { values, sentNames, columnsOk: ok };
}

function identifyLines(inputs: readonly InvoiceLineInput[], firstRow: number): InvoiceLinesRead {
  const problems: RowProblem[] = [];
  const rowOfLineId = new Map<string, number>();
  const occurrences = new Map<string, number>();
  const lines = inputs.map((input, index): InvoiceLineEvent => {
    const row = firstRow + index;
    const content = [
      input.invoiceNo,
      input.stockCode,
      input.description,
      input.quantity,
      input.invoiceDate,
      input.unitPrice,
      input.customerId,
      input.country,
    ];
    let lineId: string;
    if (input.lineNo !== null) {
      lineId = positionalLineId(input.invoiceNo, input.lineNo);
      const earlier = rowOfLineId.get(lineId);
      if (earlier !== undefined)
        problems.push({
          row,
          field: 'lineNo',
          message: `line ${lineId} is also row ${earlier} of this request; each line of an invoice needs its own lineNo`,
        });
      rowOfLineId.set(lineId, row);
    } else {
      const contentKey = JSON.stringify(content);
      const occurrence = (occurrences.get(contentKey) ?? 0) + 1;
      occurrences.set(contentKey, occurrence);
      lineId = contentLineId(input.invoiceNo, content, occurrence);
    }
    const invoiceKind = invoiceKindOf(input.invoiceNo);
    const stockCodeKind = stockCodeKindOf(input.stockCode);
    return {
      lineId,
      invoiceNo: input.invoiceNo,
      lineNo: input.lineNo,
      stockCode: input.stockCode,
      description: input.description,
      quantity: input.quantity,
      invoiceDate: input.invoiceDate,
      unitPrice: milliToNumber(input.unitPrice),
      customerId: input.customerId,
      country: input.country,
      lineTotal: milliToNumber(input.quantity * input.unitPrice),
      invoiceKind,
      isCancellation: invoiceKind === 'cancellation',
      stockCodeKind,
      isProduct: stockCodeKind === 'product',
    };
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, lines };
}
