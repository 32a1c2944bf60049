import { readLocalApiKey } from '../src/platform-exports';
import { PLATFORM_EXPORTS_FILE, portsFromEnvironment } from '../src/platform-settings';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

describe('portsFromEnvironment', () => {
  it('uses the documented defaults', () => {
    expect(portsFromEnvironment({})).toEqual({
      api: 4000,
      kinesis: 4567,
      dynamodb: 4568,
      s3: 4569,
      firehose: 4570,
      glue: 4572,
      warehouse: 5439,
      redshiftData: 4571,
      serviceBase: 4100,
    });
  });

  it('takes each port from its variable', () => {
    expect(
      portsFromEnvironment({ RETAIL_API_PORT: '5000', RETAIL_SERVICE_PORT_BASE: '5100', RETAIL_S3_PORT: '0' }),
    ).toEqual({
      api: 5000,
      kinesis: 4567,
      dynamodb: 4568,
      s3: 0,
      firehose: 4570,
      glue: 4572,
      warehouse: 5439,
      redshiftData: 4571,
      serviceBase: 5100,
    });
  });

  it('names the variable that holds something other than a port', () => {
    expect(() => portsFromEnvironment({ RETAIL_KINESIS_PORT: 'kinesis' })).toThrow(
      /RETAIL_KINESIS_PORT=kinesis is not a port number/,
    );
    expect(() => portsFromEnvironment({ RETAIL_API_PORT: '70000' })).toThrow(/RETAIL_API_PORT=70000/);
  });
});

describe('readLocalApiKey', () => {
  it('reads local.apiKey from resources/platform-exports.yml, CloudFormation tags and all', async () => {
    await expect(readLocalApiKey(PLATFORM_EXPORTS_FILE)).resolves.toMatch(/^retail-local-/);
  });

  it('says where the key is missing', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'retail-exports-'));
    const file = path.join(folder, 'platform-exports.yml');
    try {
      await writeFile(file, 'local:\n  streamArn: x\ndefault:\n  streamArn: !ImportValue y\n');
      await expect(readLocalApiKey(file)).rejects.toThrow(`${file} declares no local.apiKey`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
