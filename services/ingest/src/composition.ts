import { createKinesisClient, KinesisInvoiceLineStream, type InvoiceLineStream } from '@retail/adapters';

/** The ingest service's adapters, built once per Lambda environment from its configuration. */
export const invoiceLineStream: InvoiceLineStream = new KinesisInvoiceLineStream(
  createKinesisClient(),
  requiredEnvironment('INVOICE_LINE_STREAM_NAME'),
);

function requiredEnvironment(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: serverless.yml sets it for the deployed and the offline function; a test sets it before importing the handler`,
    );
  return value;
}
