import * as z from 'zod';

/**
 * Every error answer has a `message` that says what was wrong with which input and what to do. API Gateway's own
 * refusals (403 without a valid API key, 429 throttled) have the same shape: `{"message": "Forbidden"}`.
 */
export const ErrorBodySchema = z
  .strictObject({ message: z.string().min(1) })
  .meta({ description: 'What went wrong and what to do about it.', examples: [{ message: 'Forbidden' }] });

/** One request parameter the visualization API could not use. */
export const ParameterProblemSchema = z
  .strictObject({
    in: z.enum(['path', 'query']),
    name: z
      .string()
      .min(1)
      .meta({ description: 'The parameter as the request named it, e.g. invoiceNo or InvoiceNo.' }),
    message: z.string().min(1),
  })
  .meta({ description: 'One parameter the request got wrong.' });

export const InvalidParametersBodySchema = z
  .strictObject({ message: z.string().min(1), problems: z.array(ParameterProblemSchema).min(1) })
  .meta({
    description: 'The request parameters are malformed; nothing was read.',
    examples: [
      {
        message:
          "the request parameters are not valid: invoiceNo '53636' is not an invoice number: expected 6 digits, optionally prefixed with C (cancellation) or A (adjustment), e.g. 536365 or C536379",
        problems: [
          {
            in: 'path',
            name: 'invoiceNo',
            message:
              "'53636' is not an invoice number: expected 6 digits, optionally prefixed with C (cancellation) or A (adjustment), e.g. 536365 or C536379",
          },
        ],
      },
    ],
  });

export type ErrorBody = z.output<typeof ErrorBodySchema>;
export type ParameterProblem = z.output<typeof ParameterProblemSchema>;
export type InvalidParametersBody = z.output<typeof InvalidParametersBodySchema>;
