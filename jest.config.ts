/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// .sql files imported by a function are text, as esbuild's text loader bundles them.
const transform: Config['transform'] = {
  '^.+\\.ts$': ['@swc/jest', {}],
  '^.+\\.sql$': '<rootDir>/test/jest-sql-text-transform.cjs',
  // @guanmingchiu/sqlparser-ts loads its WebAssembly glue (ESM) with a dynamic import(), which jest's CommonJS runtime
  // refuses without --experimental-vm-modules: compiled to CommonJS like the tests, it loads.
  '@guanmingchiu/sqlparser-ts/.+\\.c?js$': ['@swc/jest', {}],
};
const transformIgnorePatterns = ['/node_modules/(?!@guanmingchiu/sqlparser-ts/)'];
const moduleFileExtensions = ['ts', 'js', 'mjs', 'cjs', 'json', 'node', 'sql'];
// A passing test prints nothing: no EMF line from a handler whose test does not read it.
const setupFiles = ['<rootDir>/test/passing-tests-print-nothing.cjs'];

// Two projects: fast unit/integration tests, and end-to-end tests that start the local platform.
const config: Config = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleFileExtensions,
      setupFiles,
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
      transformIgnorePatterns,
      moduleFileExtensions,
      setupFiles,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
  testTimeout: 120_000,
};

export default config;
