// Runs the built `tsgi` CLI as a user would, and returns what it printed and how it exited.
import { spawnSync } from 'node:child_process'

import { projectPath } from './fixture-path.js'

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [projectPath('dist', 'src', 'cli', 'main.js'), ...args], {
    cwd: options.cwd ?? projectPath(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
