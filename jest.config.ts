/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// .sql files imported by a function are text, as esbuild's text loader bundles them.
const transform: Config['transform'] = {
  '^.+\\.ts$': ['@swc/jest', {}],
  '^.+\\.sql$': '<rootDir>/test/jest-sql-text-transform.cjs',
};
const moduleFileExtensions = ['ts', 'js', 'mjs', 'cjs', 'json', 'node', 'sql'];

// Two projects: fast unit/integration tests, and end-to-end tests that start the local platform.
const config: Config = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      moduleFileExtensions,
      testMatch: [
        '<rootDir>/packages/*/test/**/*.test.ts',
        '<rootDir>/services/*/test/**/*.test.ts',
        '<rootDir>/test/deploy/**/*.test.ts',
        '<rootDir>/test/lint/**/*.test.ts',
      ],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      moduleFileExtensions,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
  testTimeout: 120_000,
};

export default config;
