// Runs the built `tsgi` CLI as a user would, and returns what it printed and how it exited.
import { spawn, spawnSync } from 'node:child_process'
import type { TestContext } from 'node:test'

import { builtMain, projectPath } from './fixture-path.js'
import { tsgiMain } from './tsgi-install.js'
import { waitForEvent } from './wait-for.js'

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [builtMain(), ...args], {
    cwd: options.cwd ?? projectPath(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export interface AsyncCliOptions {
  /** Run it as this user and group (the test runs as root); the build it runs is readable by every user. */
  readonly uid?: number
  readonly gid?: number
  /** Bounds a hang: the command is killed after this long; 120 s unless told. */
  readonly timeoutMs?: number
}

/**
 * Runs the CLI without blocking the test's event loop (a load the test drives keeps going meanwhile). The
 * process is killed when the test ends, should it still run.
 */
export async function runCliAsync(
  t: TestContext,
  args: readonly string[],
  options: AsyncCliOptions = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [tsgiMain(), ...args], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  })
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  // 'close', not 'exit': it comes once the output has been read to its end.
  const closed = waitForEvent(child, 'close', `tsgi ${args.join(' ')} to exit`, options.timeoutMs ?? 120_000)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = await closed
  return { status: typeof code === 'number' ? code : null, stdout, stderr }
}
