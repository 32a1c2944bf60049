import tseslint from 'typescript-eslint';

/** A package is imported only through its `exports` map: never another package's src/ or test/ (issue 10). */
const deepImportRule = [
  'error',
  {
    patterns: [
      {
        regex: '^@retail/[^/]+/(src|test)(/|$)',
        message:
          "Import another package through its exports map (`@retail/<name>` or a subpath its package.json exports), not its src/ or test/; export what you need from the package's index.",
      },
      {
        regex: '^(\\.\\./){2,}(packages/|services/)?[a-z-]+/(src|test)(/|$)',
        message:
          'A relative path into another package bypasses its exports map: import it as `@retail/<name>` and export what you need from its index.',
      },
    ],
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.local/**', '**/.serverless/**', '**/.esbuild/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': deepImportRule,
    },
  },
);
