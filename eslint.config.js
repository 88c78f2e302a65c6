// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', '.peers/', 'tools/*/node_modules/', 'coverage/', 'test/fixtures/', 'src/lib/psa/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: ['@actions/*', '**/action/**', '**/cli/**'] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'The library reads no environment: take it as an option.' }],
    },
  },
  {
    // The faces are thin: they reach the library through its public index only.
    files: ['src/action/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '/lib/(?!index\\.js$)', message: 'Import the library from its public index (lib/index.js).' }] },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  prettier,
);
