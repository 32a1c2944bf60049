import {
  deployedNamePatterns,
  pickDeployedBucket,
  readSinkDeclarations,
  type SinkDeclarations,
} from '../../src/reconcile/reconcile-targets';

describe("the sinks reconcile reads, as the stage's platform template declares them", () => {
  let declarations: SinkDeclarations;
  beforeAll(async () => {
    declarations = await readSinkDeclarations('dev');
  }, 180_000);

  it("takes the invoice table, the raw bucket the delivery stream writes to, its prefixes up to the first expression, and the warehouse's workgroup and database, which the Data API queries name", () => {
    expect(declarations).toEqual({
      invoiceTable: { logicalId: 'InvoiceTable', tableName: 'retail-dev-invoices' },
      rawBucket: {
        logicalId: 'RawEventsBucket',
        bucketName: 'retail-dev-raw-events-${AWS::AccountId}',
        linesPrefix: 'invoice-lines/',
        errorsPrefix: 'errors/',
      },
      warehouse: { workgroupName: 'retail-dev', database: 'retail' },
    });
  });

  it("names a deployed stage's table and matches its bucket whatever the account id", () => {
    const names = deployedNamePatterns(declarations);

    expect(names.tableName).toBe('retail-dev-invoices');
    expect(names.bucketNamePrefix).toBe('retail-dev-raw-events-');
    expect(
      pickDeployedBucket(
        [
          'retail-dev2-raw-events-123456789012',
          'retail-dev-raw-events-123456789012',
          'retail-dev-failed-records-123456789012',
        ],
        names.bucketName,
        'dev',
      ),
    ).toBe('retail-dev-raw-events-123456789012');
  });

  it('refuses to guess when no bucket or several buckets match', () => {
    const { bucketName } = deployedNamePatterns(declarations);

    expect(() => pickDeployedBucket(['retail-dev-raw-events-12345'], bucketName, 'dev')).toThrow(
      /no bucket of these credentials matches .* is stage dev deployed/,
    );
    expect(() =>
      pickDeployedBucket(
        ['retail-dev-raw-events-111111111111', 'retail-dev-raw-events-222222222222'],
        bucketName,
        'dev',
      ),
    ).toThrow(/several buckets match/);
  });
});
