import { splitConcatenatedJson } from '../../src/redshift-data/concatenated-json';
import {
  CopyTextChunker,
  copyTextLine,
  parseJsonpaths,
  recordToRow,
  type TargetColumn,
} from '../../src/redshift-data/copy-rows';
import { parseCopyStatement, type CopyOptions } from '../../src/redshift-data/copy-statement';

const column = (name: string, dataType: string, maxLength: number | null = null): TargetColumn => ({
  name,
  dataType,
  maxLength,
  numericPrecision: dataType === 'numeric' ? 18 : null,
  numericScale: dataType === 'numeric' ? 3 : null,
});
const columns = [
  column('line_id', 'character varying', 8),
  column('quantity', 'integer'),
  column('invoice_date', 'timestamp without time zone'),
  column('unit_price', 'numeric'),
  column('is_product', 'boolean'),
];
const jsonpaths = parseJsonpaths(
  JSON.stringify({ jsonpaths: ['$.lineId', '$.quantity', '$.invoiceDate', "$['unitPrice']", '$.flags.isProduct'] }),
  columns.length,
  'test jsonpaths',
);
const record = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    lineId: '536365:1',
    quantity: 6,
    invoiceDate: '2010-12-01T08:26:00',
    unitPrice: 2.55,
    flags: { isProduct: true },
    ...overrides,
  });

/** The options of a COPY with these parameters, as the local COPY parses them. */
const copyOptions = async (parameters: string): Promise<CopyOptions> =>
  (await parseCopyStatement(`COPY t FROM 's3://b/p' IAM_ROLE default ${parameters}`)).options;

describe("Redshift's COPY semantics, as the local COPY applies them", () => {
  let auto: CopyOptions;
  let strict: CopyOptions;
  beforeAll(async () => {
    auto = await copyOptions("JSON 's3://b/jsonpaths' GZIP TIMEFORMAT 'auto'");
    strict = await copyOptions("JSON 's3://b/jsonpaths' GZIP");
  });

  it('takes the ISO T only under TIMEFORMAT auto: the default format rejects it, as Redshift does', () => {
    expect(recordToRow(record(), columns, jsonpaths, auto)).toEqual({
      fields: ['536365:1', '6', '2010-12-01 08:26:00', '2.55', 't'],
    });
    expect(recordToRow(record(), columns, jsonpaths, strict)).toEqual({
      error: expect.objectContaining({
        colname: 'invoice_date',
        errCode: 1206,
        errReason: 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]',
        rawFieldValue: '2010-12-01T08:26:00',
      }),
    });
    expect(recordToRow(record({ invoiceDate: '2010-12-01 08:26:00' }), columns, jsonpaths, strict)).toHaveProperty(
      'fields',
    );
    expect(recordToRow(record({ invoiceDate: '2010-02-30T08:26:00' }), columns, jsonpaths, auto)).toHaveProperty(
      'error.errCode',
      1206,
    );
  });

  it('counts VARCHAR lengths in bytes (£ is two), truncating only under TRUNCATECOLUMNS', async () => {
    expect(recordToRow(record({ lineId: '££££' }), columns, jsonpaths, auto)).toHaveProperty('fields');
    expect(recordToRow(record({ lineId: '£££££' }), columns, jsonpaths, auto)).toHaveProperty('error', {
      colname: 'line_id',
      type: 'varchar',
      colLength: '8',
      rawFieldValue: '£££££',
      errCode: 1204,
      errReason: 'String length exceeds DDL length',
    });
    const truncating = await copyOptions("JSON 's3://b/jsonpaths' GZIP TIMEFORMAT 'auto' TRUNCATECOLUMNS");
    expect(recordToRow(record({ lineId: 'a££££' }), columns, jsonpaths, truncating)).toHaveProperty('fields.0', 'a£££');
  });

  it('rejects a fraction in an integer column and a non-boolean, and gives NULL for a missing field', () => {
    expect(recordToRow(record({ quantity: 1.5 }), columns, jsonpaths, auto)).toHaveProperty(
      'error.errReason',
      "Invalid digit, Value '.', Pos 1, Type: int4",
    );
    expect(recordToRow(record({ flags: { isProduct: 'maybe' } }), columns, jsonpaths, auto)).toHaveProperty(
      'error.errCode',
      1210,
    );
    expect(recordToRow(record({ flags: {} }), columns, jsonpaths, auto)).toHaveProperty('fields.4', null);
  });

  it("matches keys case-sensitively under JSON 'auto': camelCase events load as NULLs, 'auto ignorecase' finds them", () => {
    const lower = [column('lineid', 'character varying', 16)];
    expect(recordToRow(record(), lower, { kind: 'auto', ignoreCase: false }, auto)).toEqual({ fields: [null] });
    expect(recordToRow(record(), lower, { kind: 'auto', ignoreCase: true }, auto)).toEqual({ fields: ['536365:1'] });
  });

  it('refuses a jsonpaths file whose paths do not match the column list', () => {
    expect(() => parseJsonpaths('{"jsonpaths": ["$.a"]}', 2, 'f')).toThrow(/1 jsonpaths for 2 columns/);
    expect(() => parseJsonpaths('{"jsonpaths": ["$..a"]}', 1, 'f')).toThrow(/not a plain path/);
  });

  it('splits records concatenated without a delimiter, with the line Redshift reports', () => {
    expect(splitConcatenatedJson('{"a":"}{"}{"b":[1,{"c":2}]}\n{"d":"\\"x"}')).toEqual([
      { text: '{"a":"}{"}', lineNumber: 1 },
      { text: '{"b":[1,{"c":2}]}', lineNumber: 1 },
      { text: '{"d":"\\"x"}', lineNumber: 2 },
    ]);
  });

  it("writes PostgreSQL's COPY text: tabs, newlines and backslashes escaped, \\N for NULL", () => {
    expect(copyTextLine(['a\tb', null, 'c\\d\ne'])).toBe('a\\tb\t\\N\tc\\\\d\\ne\n');
  });

  it('sends whole lines in chunks of at least 256 KB, the last one what is left', () => {
    const lines = Array.from({ length: 20_000 }, (_, index) => copyTextLine([`line ${index}`, 'x'.repeat(index % 50)]));
    const chunker = new CopyTextChunker();
    const chunks = lines.flatMap((line) => chunker.add(line) ?? []);
    chunks.push(chunker.end()!);
    expect(chunks.join('')).toBe(lines.join(''));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(256 * 1024);
    expect(chunks.every((chunk) => chunk.endsWith('\n'))).toBe(true);
    expect(chunker.end()).toBeUndefined();
  });
});
