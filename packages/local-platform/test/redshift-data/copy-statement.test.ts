import { TEST_ACCOUNT_ID, TEST_STAGE } from '@retail/test-support';
import {
  declaredKinesisSourcedDeliveryStreams,
  readPlatformTemplateSync,
} from '../../src/cloudformation/read-platform-template';
import { firehoseCopyText, parseRedshiftDestination } from '../../src/firehose';
import {
  InvalidCopyError,
  isCopyStatement,
  parseCopyStatement,
  UnsupportedCopyError,
} from '../../src/redshift-data/copy-statement';

const ROLE = "IAM_ROLE 'arn:aws:iam::000000000000:role/copy'";

describe("the local COPY's statement, parsed by the redshift dialect", () => {
  it('reads the COPY the warehouse delivery stream issues, as AWS Firehose builds it from the CopyCommand', async () => {
    const declared = declaredKinesisSourcedDeliveryStreams(readPlatformTemplateSync(TEST_STAGE), TEST_ACCOUNT_ID).find(
      (stream) => stream.logicalId === 'WarehouseDeliveryStream',
    )!;
    const { copy } = await parseRedshiftDestination(declared.source, declared.destination, 'WarehouseDeliveryStream');
    const text = firehoseCopyText(copy, `s3://${declared.bucket}/staging/manifests/2026/12/07/10/m`);
    expect(text).toMatch(
      new RegExp(
        `^COPY retail\\.invoice_line_landing \\(line_id,invoice_no,.+,is_product\\) FROM 's3://${declared.bucket}/staging/manifests/2026/12/07/10/m' CREDENTIALS 'aws_iam_role=arn:aws:iam::${TEST_ACCOUNT_ID}:role/.+' MANIFEST JSON 's3://${declared.bucket}/jsonpaths/invoice-line-landing\\.jsonpaths' GZIP TIMEFORMAT 'auto'$`,
      ),
    );
    await expect(parseCopyStatement(text)).resolves.toEqual({
      table: { schema: 'retail', name: 'invoice_line_landing' },
      columns: expect.arrayContaining(['line_id', 'invoice_date', 'is_product']),
      from: { bucket: declared.bucket, key: 'staging/manifests/2026/12/07/10/m' },
      manifest: true,
      options: {
        json: { kind: 'jsonpaths', bucket: declared.bucket, key: 'jsonpaths/invoice-line-landing.jsonpaths' },
        gzip: true,
        timeFormatAuto: true,
        maxError: 0,
        truncateColumns: false,
        emptyAsNull: false,
        blanksAsNull: false,
      },
    });
  });

  it('reads a prefix, any case, AS, and the parameters the dialect lacks (MAXERROR, access keys, CREDENTIALS AS)', async () => {
    await expect(
      parseCopyStatement(`-- the raw archive, a day
        copy Retail.Invoice_Line_Landing from 's3://raw/invoice-lines/year=2010/'
        access_key_id 'AKIA' secret_access_key 'secret' session_token 'token'
        format as json 'auto ignorecase' gzip maxerror as 10 timeformat as 'auto'
        truncatecolumns blanksasnull emptyasnull region 'eu-west-2' compupdate off statupdate off;`),
    ).resolves.toEqual({
      table: { schema: 'retail', name: 'invoice_line_landing' },
      columns: [],
      from: { bucket: 'raw', key: 'invoice-lines/year=2010/' },
      manifest: false,
      options: {
        json: { kind: 'auto', ignoreCase: true },
        gzip: true,
        timeFormatAuto: true,
        maxError: 10,
        truncateColumns: true,
        emptyAsNull: true,
        blanksAsNull: true,
      },
    });
    await expect(
      parseCopyStatement(
        `COPY t ("A", b) FROM 's3://b/k' WITH CREDENTIALS AS 'aws_iam_role=arn' JSON 'auto' MAXERROR 3`,
      ),
    ).resolves.toMatchObject({ table: { name: 't' }, columns: ['a', 'b'], options: { maxError: 3 } });
    expect(isCopyStatement("/* load */ copy t from 's3://b/k'")).toBe(true);
    expect(isCopyStatement('SELECT 1 -- copy')).toBe(false);
  });

  it.each([
    ['CSV', `CSV`],
    ['DELIMITER', `JSON 'auto' DELIMITER '|'`],
    ['NOLOAD', `JSON 'auto' NOLOAD`],
    ['ACCEPTINVCHARS', `JSON 'auto' ACCEPTINVCHARS`],
    ['FORMAT PARQUET', `FORMAT AS PARQUET`],
    ['BZIP2', `JSON 'auto' BZIP2`],
    ['DATEFORMAT', `JSON 'auto' DATEFORMAT 'auto'`],
    ['IGNOREHEADER', `JSON 'auto' IGNOREHEADER 1`],
  ])('refuses %s, which it does not run, by name', async (name, parameters) => {
    const refused = parseCopyStatement(`COPY t FROM 's3://b/k' ${ROLE} ${parameters}`);
    await expect(refused).rejects.toThrow(UnsupportedCopyError);
    await expect(refused).rejects.toThrow(`COPY parameter ${name} is not supported by the local COPY`);
  });

  it('refuses what the local COPY does not read, saying what it reads instead', async () => {
    await expect(
      parseCopyStatement(`COPY t FROM 's3://b/k' ${ROLE} JSON 'auto' TIMEFORMAT 'epochsecs'`),
    ).rejects.toThrow(
      "TIMEFORMAT 'epochsecs': the local COPY reads TIMEFORMAT 'auto' and the default 'YYYY-MM-DD HH:MI:SS' only.",
    );
    await expect(parseCopyStatement(`COPY t FROM 's3://b/k' ${ROLE}`)).rejects.toThrow(/COPY without JSON/);
    await expect(parseCopyStatement(`COPY t FROM 'dynamodb://table' ${ROLE} JSON 'auto'`)).rejects.toThrow(
      /the local COPY reads Amazon S3/,
    );
  });

  it('refuses what Redshift refuses: no or two authorizations, MAXERROR over 100000, COPY TO, bad syntax', async () => {
    await expect(parseCopyStatement(`COPY t FROM 's3://b/k' JSON 'auto'`)).rejects.toThrow(/needs authorization/);
    await expect(
      parseCopyStatement(`COPY t FROM 's3://b/k' ${ROLE} CREDENTIALS 'aws_iam_role=arn' JSON 'auto'`),
    ).rejects.toThrow('COPY gives IAM_ROLE and CREDENTIALS: use one authorization.');
    await expect(parseCopyStatement(`COPY t FROM 's3://b/k' ${ROLE} JSON 'auto' MAXERROR 100001`)).rejects.toThrow(
      InvalidCopyError,
    );
    await expect(parseCopyStatement(`COPY t TO 's3://b/k'`)).rejects.toThrow(/use UNLOAD/);
    await expect(parseCopyStatement(`COPY FROM 's3://b/k' ${ROLE} JSON`)).rejects.toThrow(/syntax error in COPY/);
    // "The default is 'auto'" (Data format parameters, JSON).
    await expect(parseCopyStatement(`COPY t FROM 's3://b/k' ${ROLE} JSON`)).resolves.toHaveProperty('options.json', {
      kind: 'auto',
      ignoreCase: false,
    });
  });
});
