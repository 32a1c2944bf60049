/** The stage and region every test names its resources for (resources/names.yml computed for `test`). */
export const TEST_STAGE = 'test';
export const TEST_REGION = 'eu-west-2';
/** The account id the local platform resolves `AWS::AccountId` to. */
export const TEST_ACCOUNT_ID = '000000000000';
/** kinesalite and dynalite take any credentials. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
