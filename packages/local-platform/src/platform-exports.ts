import { readFile } from 'node:fs/promises';
import { parse, type ScalarTag } from 'yaml';
import { isJsonObject } from './json-object';
import { LOCAL_STAGE, PLATFORM_EXPORTS_FILE } from './platform-settings';

// CloudFormation's scalar short forms (`!ImportValue x`), read as the long form so the file parses without warnings.
const cloudFormationScalarTags: ScalarTag[] = ['Ref', 'Sub', 'GetAtt', 'ImportValue'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
}));

/** The API key services expect on the local stage: `<stage>.apiKey` of resources/platform-exports.yml (their params). */
export async function readLocalApiKey(
  file: string = PLATFORM_EXPORTS_FILE,
  stage: string = LOCAL_STAGE,
): Promise<string> {
  const exports: unknown = parse(await readFile(file, 'utf8'), { customTags: cloudFormationScalarTags });
  const stageParams: unknown = isJsonObject(exports) ? exports[stage] : undefined;
  const apiKey = isJsonObject(stageParams) ? stageParams.apiKey : undefined;
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new Error(`${file} declares no ${stage}.apiKey: add the API key services use on the ${stage} stage there.`);
  }
  return apiKey;
}
