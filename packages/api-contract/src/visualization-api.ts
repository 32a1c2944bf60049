import { InvoiceLineEventSchema, InvoiceLineInputSchema } from '@retail/domain';
import * as z from 'zod';

/**
 * The visualization API: requests (path and query parameters, parsed by the handlers with these very schemas) and
 * responses (what the handlers answer, checked by tests and by the Postman collection). Names are the data set's
 * columns in camelCase; amounts are JSON numbers with at most 3 decimals, exact (the store sums in thousandths).
 */

const INVOICE_DATE = 'UK wall-clock time as the data set records it, ISO 8601 without offset.';
const AMOUNT =
  'Pounds sterling, exact: the decimal has at most 3 places (the store sums in thousandths, so no float drift).';

/** The query parameter the course's clients send (`?InvoiceNo=536365`); the domain's other names for the column work too. */
export const INVOICE_NO_QUERY_PARAMETER = 'InvoiceNo';
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

// Parsed by the domain's own rule, with its message; documented with the canonical invoice number's pattern.
export const InvoiceNoParameterSchema = InvoiceLineInputSchema.shape.invoiceNo.meta({
  type: 'string',
  description: 'An invoice number: 6 digits, optionally prefixed with C (cancellation) or A (adjustment).',
  pattern: z.toJSONSchema(InvoiceLineEventSchema.shape.invoiceNo).pattern,
  examples: ['536365', 'C536379', 'A563185'],
});

export const CustomerIdParameterSchema = InvoiceLineInputSchema.shape.customerId
  .transform((customerId, ctx) => {
    if (customerId !== null) return customerId;
    ctx.addIssue({ code: 'custom', message: 'is empty: expected digits such as 17850' });
    return z.NEVER;
  })
  .meta({
    type: 'string',
    description: "A customer's id as the data set writes it (CustomerID), e.g. 17850.",
    examples: ['17850'],
  });

const pageSizeRule = (input: unknown) =>
  `'${String(input)}' is not a page size: expected a whole number from 1 to ${MAX_PAGE_SIZE}`;

export const PageSizeParameterSchema = z
  .string()
  .transform((text, ctx) => {
    const size = /^\d{1,3}$/.test(text.trim()) ? Number(text) : NaN;
    if (!(size >= 1 && size <= MAX_PAGE_SIZE)) {
      ctx.addIssue({ code: 'custom', message: pageSizeRule(text) });
      return z.NEVER;
    }
    return size;
  })
  .default(DEFAULT_PAGE_SIZE)
  // A query string carries text; the document says what that text must hold.
  .meta({
    description: 'Invoices per page.',
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  });

export const NextTokenParameterSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,2048}$/, {
    error: (issue) =>
      `'${String(issue.input)}' is not a nextToken: pass the nextToken of the previous page unchanged, or none for the first page`,
  })
  .optional()
  .meta({ description: 'The `nextToken` of the previous page, unchanged (opaque); none for the first page.' });

export const InvoiceItemsPathSchema = z.object({ invoiceNo: InvoiceNoParameterSchema });
export const CustomerInvoicesPathSchema = z.object({ customerId: CustomerIdParameterSchema });
export const CustomerInvoicesQuerySchema = z.object({
  limit: PageSizeParameterSchema,
  nextToken: NextTokenParameterSchema,
});

// Response fields are the canonical invoice line's own (the domain's InvoiceLineEventSchema), documented here.
const line = InvoiceLineEventSchema.shape;
const invoiceNo = line.invoiceNo.meta({ description: 'The invoice number (InvoiceNo).', examples: ['536365'] });
const invoiceDate = line.invoiceDate.meta({
  description: `The invoice's date (InvoiceDate): ${INVOICE_DATE}`,
  examples: ['2010-12-01T08:26:00'],
});
const country = line.country.meta({ description: 'Country', examples: ['United Kingdom'] });
const isCancellation = line.isCancellation.meta({
  description: 'True for a cancellation invoice (InvoiceNo starting with C).',
});
const lineCount = z.number().int().positive().meta({ description: 'How many lines the invoice has.' });
const total = z.number().meta({ description: `Sum of the lines' lineTotal. ${AMOUNT}`, examples: [139.12] });

export const InvoiceSchema = z
  .strictObject({
    invoiceNo,
    invoiceDate,
    customerId: line.customerId.meta({
      description: 'CustomerID; null when the data set has none (adjustments, guests).',
      examples: ['17850'],
    }),
    country,
    isCancellation,
    lineCount,
    total,
  })
  .meta({ description: 'An invoice as a whole.' });

export const InvoiceItemSchema = z
  .strictObject({
    lineNo: line.lineNo.meta({
      description:
        "The line's 1-based position within its invoice in the source; null when the client that sent it gave none.",
    }),
    stockCode: line.stockCode.meta({ description: 'StockCode', examples: ['85123A'] }),
    description: line.description.meta({
      description: 'Description; null when the data set has none.',
      examples: ['WHITE HANGING HEART T-LIGHT HOLDER'],
    }),
    quantity: line.quantity.meta({ description: 'Quantity; negative on cancellations.', examples: [6] }),
    unitPrice: line.unitPrice.meta({ description: `UnitPrice. ${AMOUNT}`, examples: [2.55] }),
    lineTotal: line.lineTotal.meta({ description: `quantity x unitPrice. ${AMOUNT}`, examples: [15.3] }),
  })
  .meta({ description: 'One line of an invoice.' });

export const InvoiceItemsBodySchema = z
  .strictObject({
    invoice: InvoiceSchema,
    items: z
      .array(InvoiceItemSchema)
      .min(1)
      .meta({ description: 'Every line of the invoice, in the order the source gave them.' }),
  })
  .meta({ description: 'An invoice and its lines.' });

export const CustomerInvoiceSchema = z
  .strictObject({ invoiceNo, invoiceDate, country, isCancellation, lineCount, total })
  .meta({ description: "One of a customer's invoices." });

export const CustomerInvoicesBodySchema = z
  .strictObject({
    customerId: z
      .string()
      .min(1)
      .meta({ description: 'The customer, as the request named it without leading zeros.', examples: ['17850'] }),
    invoices: z
      .array(CustomerInvoiceSchema)
      .meta({ description: 'Newest first; empty when the customer has no (more) invoices.' }),
    nextToken: z
      .string()
      .nullable()
      .meta({ description: 'Pass it back as the nextToken query parameter for the next page; null on the last page.' }),
  })
  .meta({ description: "One page of a customer's invoices, newest first." });

export type InvoiceItemsBody = z.output<typeof InvoiceItemsBodySchema>;
export type CustomerInvoicesBody = z.output<typeof CustomerInvoicesBodySchema>;
export type CustomerInvoicesQuery = z.output<typeof CustomerInvoicesQuerySchema>;
