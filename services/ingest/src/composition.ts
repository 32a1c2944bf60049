import { createKinesisClient, KinesisInvoiceLineStream, type InvoiceLineStream } from '@retail/adapters';
import { httpRequestHandling, requiredEnvironmentVariable } from '@retail/lambda-plumbing';

/** The ingest service's composition root: its adapters, built once per Lambda environment from its configuration. */
export const invoiceLineStream: InvoiceLineStream = new KinesisInvoiceLineStream(
  createKinesisClient(),
  requiredEnvironmentVariable(
    'INVOICE_LINE_STREAM_NAME',
    'serverless.yml sets it for the deployed and the offline function; a test sets it before importing the handler',
  ),
);

/** Every ingest request: typed errors answered as they say, anything else a 500. */
export const handleHttpRequest = httpRequestHandling({
  unexpectedErrorMessage:
    'the ingest service failed unexpectedly; some rows may have been written: sending the same request again is safe (same rows, same line ids)',
});
