import path from 'node:path';
import { ANALYTICS_VIEW_NAMES } from '@retail/api-contract';
import { INVOICE_TABLE_KEYS } from '@retail/adapters';
import { printServerlessConfiguration } from '@retail/local-platform';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface PrintedConfig {
  service: string;
  provider: {
    runtime: string;
    apiGateway: {
      apiKeys: { name: string; value?: string }[];
      usagePlan: { throttle: { rateLimit: number; burstLimit: number } };
    };
  };
  custom: { esbuild: { minify: boolean; bundle: boolean } };
  functions: Record<
    string,
    {
      role: string;
      environment?: Record<string, unknown>;
      events: { http: { method: string; path: string; private?: boolean } }[];
    }
  >;
  resources: {
    Resources: Record<
      string,
      { Type: string; Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } }
    >;
  };
}

const TABLE_ARN = { 'Fn::ImportValue': 'retail-platform-dev-InvoiceTableArn' };
let dev: PrintedConfig;
let local: PrintedConfig;

// The configuration as the framework resolves it for a deployed stage and for the local one: what AWS is asked for.
beforeAll(async () => {
  const directory = path.resolve(__dirname, '..');
  [dev, local] = (await Promise.all([
    printServerlessConfiguration(directory, 'dev'),
    printServerlessConfiguration(directory, 'local'),
  ])) as [PrintedConfig, PrintedConfig];
});

const statementsOf = (config: PrintedConfig, functionName: string) =>
  config.resources.Resources[config.functions[functionName]!.role]!.Properties.Policies.flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );

describe('services/visualization-api/serverless.yml', () => {
  it('gives each function its own role: its log group, and dynamodb:Query on only what it reads', () => {
    const logs = {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: expect.anything(),
    };

    expect(statementsOf(dev, 'getInvoiceItems')).toEqual([
      logs,
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: TABLE_ARN },
    ]);
    expect(statementsOf(dev, 'listCustomerInvoices')).toEqual([
      logs,
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [TABLE_ARN, `/index/${INVOICE_TABLE_KEYS.byCustomerIndex}`]] },
      },
    ]);
    expect(statementsOf(dev, 'openapi')).toEqual([logs]);
  });

  it("reads the platform stack's table on AWS and the local platform's table locally", () => {
    expect(dev.functions.getInvoiceItems!.environment?.INVOICE_TABLE_NAME).toEqual({
      'Fn::ImportValue': 'retail-platform-dev-InvoiceTableName',
    });
    expect(local.functions.listCustomerInvoices!.environment?.INVOICE_TABLE_NAME).toBe('retail-local-invoices');
    expect(dev.functions.openapi!.environment?.INVOICE_TABLE_NAME).toBeUndefined();
  });

  it('lets the analytics function run statements on the warehouse workgroup and read only its own, nothing else', () => {
    const workgroupArn = { 'Fn::ImportValue': 'retail-platform-dev-WarehouseWorkgroupArn' };
    expect(statementsOf(dev, 'getAnalytics')).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': ['GetAnalyticsLogGroup', 'Arn'] },
      },
      { Effect: 'Allow', Action: 'redshift-data:ExecuteStatement', Resource: workgroupArn },
      { Effect: 'Allow', Action: 'redshift-serverless:GetCredentials', Resource: workgroupArn },
      {
        Effect: 'Allow',
        Action: [
          'redshift-data:DescribeStatement',
          'redshift-data:GetStatementResult',
          'redshift-data:CancelStatement',
        ],
        Resource: '*',
        Condition: {
          StringEquals: { 'redshift-data:statement-owner-iam-userid': { 'Fn::Join': ['', ['$', '{aws:userid}']] } },
        },
      },
    ]);
    expect(dev.functions.getAnalytics!.environment).toEqual({
      WAREHOUSE_WORKGROUP_NAME: { 'Fn::ImportValue': 'retail-platform-dev-WarehouseWorkgroupName' },
      WAREHOUSE_DATABASE: 'retail',
    });
    expect(local.functions.getAnalytics!.environment).toEqual({
      WAREHOUSE_WORKGROUP_NAME: 'retail-local',
      WAREHOUSE_DATABASE: 'retail',
    });
  });

  it('makes every route but the OpenAPI document and the dashboard page private, under a throttled usage plan with its own key', () => {
    const routes = Object.values(dev.functions).flatMap((declaration) =>
      declaration.events.map(({ http }) => `${http.method} /${http.path} ${http.private === true}`),
    );

    expect(routes.sort()).toEqual([
      ...ANALYTICS_VIEW_NAMES.map((view) => `get /analytics/${view} true`).sort(),
      'get /customers/{customerId}/invoices true',
      // The page and its script hold no data: every figure comes from the private routes, with the key.
      'get /dashboard false',
      'get /dashboard/{asset} false',
      'get /invoice-lines true',
      'get /invoices true',
      'get /invoices/{invoiceNo}/items true',
      'get /openapi.json false',
    ]);
    expect(dev.provider.apiGateway.apiKeys).toEqual([{ name: 'retail-dev-visualization', value: '' }]);
    expect(local.provider.apiGateway.apiKeys).toEqual([
      { name: 'retail-local-visualization', value: expect.stringMatching(/.{20,}/) },
    ]);
    expect(dev.provider.apiGateway.usagePlan.throttle).toEqual({
      rateLimit: expect.any(Number),
      burstLimit: expect.any(Number),
    });
  });

  it('runs on nodejs22.x from one minified bundle per function', () => {
    expect(dev.service).toBe('retail-visualization-api');
    expect(dev.provider.runtime).toBe('nodejs22.x');
    expect(dev.custom.esbuild).toMatchObject({ bundle: true, minify: true });
  });
});
