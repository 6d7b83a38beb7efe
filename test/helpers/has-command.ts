// Whether a program the system tests need is installed (they skip with a reason where it is not; CI has it).
import { execFileSync } from 'node:child_process'

export function hasCommand(command: string, args: readonly string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
