import * as z from 'zod';

/**
 * The canonical invoice line every sink receives: camelCase, ISO local timestamps, exact money, derived fields
 * and the line's identity. It is the Kinesis record payload, the raw-bucket line and the source of every item.
 */
export const InvoiceKindSchema = z.enum(['sale', 'cancellation', 'adjustment']);
export type InvoiceKind = z.infer<typeof InvoiceKindSchema>;

export const InvoiceLineEventSchema = z.object({
  /** Same row, same id, in every sink and on every retry; see line-identity.ts. */
  lineId: z.string().min(1),
  invoiceNo: z.string().regex(/^[CA]?\d{6}$/),
  /** 1-based position of the line within its invoice in the source, or null when the client gave none. */
  lineNo: z.number().int().positive().nullable(),
  stockCode: z.string().min(1),
  description: z.string().nullable(),
  quantity: z.number().int(),
  /** UK wall-clock time as the data set records it, ISO 8601 without offset. */
  invoiceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
  unitPrice: z.number(),
  customerId: z.string().nullable(),
  country: z.string().min(1),
  /** quantity x unitPrice, computed in thousandths so it is exact. */
  lineTotal: z.number(),
  invoiceKind: InvoiceKindSchema,
  isCancellation: z.boolean(),
  stockCodeKind: z.string(),
  isProduct: z.boolean(),
});
export type InvoiceLineEvent = z.infer<typeof InvoiceLineEventSchema>;

export function invoiceKindOf(invoiceNo: string): InvoiceKind {
  if (invoiceNo.startsWith('C')) return 'cancellation';
  if (invoiceNo.startsWith('A')) return 'adjustment';
  return 'sale';
}
