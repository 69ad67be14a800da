// Lint rules for the whole repo: ESLint's and typescript-eslint's recommended sets.
// (Biome was tried first; its per-platform binaries are not all on this registry, so npm ci failed.)
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'portal/dist/**', 'node_modules/**', '.devhost-data/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The portal runs in the browser (portal/src, bundled by Vite).
    files: ['portal/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['devhost/**', 'test/**', '.ci/**'],
    rules: { 'no-console': 'off' },
  },
);
