// docs/errors.md, generated from the error registry (STYLE.md section 3); a test keeps the two in step.
import { codes } from './codes.js'

const exitCodeOfKind: Readonly<Record<string, string>> = {
  config: '1',
  usage: '2',
  environment: '3',
  internal: '70',
  request: '— (a 4xx/5xx or a logged close)',
  warning: '— (reported, never stops anything)',
}

const cell = (text: string): string => text.replaceAll('|', '\\|')

export function renderErrorsDoc(): string {
  const lines = [
    '# tsgi errors and warnings',
    '',
    '<!-- GENERATED from src/errors/codes.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every problem tsgi reports carries one of these codes. A code is permanent: it is never renamed or',
    'reused. Config problems are printed as `FILE:LINE:COLUMN: error CODE: message`, followed by the',
    'offending line. The exit status of a command that stops on the problem is the "Exit" column',
    '(see the table in [config.md](config.md#exit-codes)).',
    '',
    '| Code | Kind | Exit | How to fix |',
    '|---|---|---|---|',
  ]
  for (const [code, entry] of Object.entries(codes)) {
    lines.push(`| \`${code}\` | ${entry.kind} | ${exitCodeOfKind[entry.kind] ?? '—'} | ${cell(entry.fix)} |`)
  }
  return `${lines.join('\n')}\n`
}
