// Lint rules: typescript-eslint strict, plus the layering rules of STYLE.md section 1.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
})

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      'no-process-exit': 'off',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'exit',
          message: 'Only src/cli/ ends the process (STYLE.md habit 7).',
        },
      ],
    },
  },
  {
    files: ['src/cli/**', 'scripts/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // bench/ and test fixtures are plain Node.js scripts.
    files: ['bench/**/*.mjs', 'bench/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'Buffer',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'setImmediate',
          'URL',
          'performance',
          'AbortController',
          'fetch',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  layer(['src/**'], ['**/cli/*', '**/cli/**'], 'Nothing imports cli/ (STYLE.md section 1).'),
  layer(
    ['src/protocols/**', 'src/config/value-types.ts'],
    ['node:fs', 'node:net', 'node:child_process', 'node:dgram', 'node:fs/promises'],
    'Pure modules do no I/O (STYLE.md section 1).',
  ),
  layer(['src/emperor/**'], ['**/runtimes/**'], 'The emperor never imports runtimes (STYLE.md section 1).'),
)
