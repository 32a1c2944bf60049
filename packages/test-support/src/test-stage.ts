/** The stage and region every test names its resources for (resources/names.yml computed for `test`). */
export const TEST_STAGE = 'test';
export const TEST_REGION = 'eu-west-2';
