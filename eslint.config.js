// Flat config: typescript-eslint's recommended rules; `console` is allowed only in cli/, bench/ and scripts/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'runs/', 'web/dist/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The web app: plain ES modules run by the browser.
    files: ['web/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', fetch: 'readonly', window: 'readonly' },
    },
  },
  {
    // The static demo (exprsim build-web) and the web app's on-device mode decode photos themselves.
    files: ['web/demo/**/*.js', 'web/js/**/*.js'],
    languageOptions: {
      globals: {
        createImageBitmap: 'readonly',
        localStorage: 'readonly',
        HTMLImageElement: 'readonly',
      },
    },
  },
  {
    // CommonJS config files (dependency-cruiser's).
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
  {
    files: ['src/cli/**', 'bench/**', 'scripts/**', 'bin/**', '**/*.test.ts', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
