// What an emperor checks about its own capabilities before it governs anything: those `cap` asks for, and,
// in tyrant mode, CAP_SETUID and CAP_SETGID (setpriv needs them to start each vassal as its file's owner).
// Read from the kernel (/proc/self/status CapEff), so an emperor that would fail at its first vassal fails
// at once instead, with the fix in its message (exit status 3, an environment error).
import type { Config } from '../config/options/registry.js'
import { makeError } from '../errors/tsgi-error.js'
import { capabilitySets, missingCapabilities, type CapabilityName } from '../platform/capabilities.js'

export function checkEmperorCapabilities(config: Config): void {
  const wanted = new Set<CapabilityName>(config.cap ?? [])
  if (config.emperorTyrant) {
    wanted.add('setuid')
    wanted.add('setgid')
  }
  const missing = missingCapabilities([...wanted])
  if (missing.length === 0) return
  const held = capabilitySets().CapEff
  throw makeError('ERR_PRIVILEGE_CAPABILITY_MISSING', {
    what: config.emperorTyrant
      ? "start tyrant vassals as their files' owners"
      : 'keep the capabilities of "cap"',
    missing: missing.join(','),
    held: held.length === 0 ? 'empty' : held.join(','),
    uid: process.getuid?.() ?? -1,
  })
}
