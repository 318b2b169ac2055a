// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The domain is pure: no HTTP, storage, connectors or process I/O.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'koa',
            '@koa/*',
            'pg',
            'better-sqlite3',
            'node:fs',
            'node:http',
            '../http/*',
            '../storage/*',
            '../pipeline/*',
            '../../connectors/*',
          ],
        },
      ],
    },
  },
  {
    // Chat platforms see only the domain (their errors are Rejection values, never HttpError).
    files: ['src/sources/**/*.ts'],
    ignores: ['src/sources/index.ts', 'src/sources/runtime.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/http/**', '**/storage/**', '**/pipeline/**', '**/connectors/**', 'koa', '@koa/*', 'pg', 'better-sqlite3'] },
      ],
    },
  },
  {
    // Connectors see only the domain.
    files: ['connectors/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/src/http/**', '**/src/storage/**', '**/src/pipeline/**', '**/src/sources/**'] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // mocha's `this.skip()` and chained hooks
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
