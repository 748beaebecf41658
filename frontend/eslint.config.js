import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'src/types/api.gen.ts'] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ['**/*.{ts,tsx}'],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Features talk to each other only through routes in src/app (architecture.md, habit 14).
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../**', '@/features/**'], message: 'features must not import each other' }] },
      ],
    },
  },
  {
    files: ['src/app/**', 'e2e/**', '*.config.ts', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['e2e/**', '*.config.ts', 'scripts/**'],
    languageOptions: { globals: { ...globals.node } },
    // Playwright fixtures take `{}` and call `use`: neither is React.
    rules: { 'react-hooks/rules-of-hooks': 'off', 'no-empty-pattern': 'off' },
  },
)
