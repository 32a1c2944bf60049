import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

// The config as written (variables unresolved): what API Gateway and IAM will be asked for.
const config = parse(readFileSync(resolve(__dirname, '../serverless.yml'), 'utf8'), { logLevel: 'silent' });
const platformExports = parse(readFileSync(resolve(__dirname, '../../../resources/platform-exports.yml'), 'utf8'), {
  logLevel: 'silent',
});

describe('services/ingest/serverless.yml', () => {
  it('makes POST /invoice-lines private: API Gateway (and serverless-offline) want an x-api-key', () => {
    expect(config.functions.putInvoiceLines.events).toEqual([
      { http: { method: 'post', path: 'invoice-lines', private: true } },
    ]);
  });

  it('deploys a key without a value on AWS and uses the fixed local key offline, under a throttled usage plan', () => {
    expect(config.provider.apiGateway.apiKeys).toEqual([
      { name: '${self:custom.names.ingestApiKey}', value: "${param:apiKey, ''}" },
    ]);
    expect(platformExports.local.apiKey).toEqual(expect.any(String));
    expect(platformExports.default.apiKey).toBeUndefined();
    expect(config.provider.apiGateway.usagePlan).toEqual({
      throttle: { rateLimit: expect.any(Number), burstLimit: expect.any(Number) },
      quota: { limit: expect.any(Number), period: 'DAY' },
    });
  });

  it("gives the function its own role: its log group, and only PutRecords on the platform stream's ARN", () => {
    expect(config.functions.putInvoiceLines.role).toBe('PutInvoiceLinesRole');
    const statements = config.resources.Resources.PutInvoiceLinesRole.Properties.Policies.flatMap(
      (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: expect.anything() },
      { Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: '${param:invoiceLineStreamArn}' },
    ]);
    expect(config.functions.putInvoiceLines.environment.INVOICE_LINE_STREAM_NAME).toBe(
      '${self:custom.names.invoiceLineStream}',
    );
  });
});
