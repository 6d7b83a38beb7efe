// Linux capability sets of a process, read from /proc/PID/status (CapInh, CapPrm, CapEff, CapBnd, CapAmb:
// hex masks whose bit N is capability N). Node has no capget(2); the kernel's own report is the truth the
// operator can check too (`grep Cap /proc/PID/status`).
import { readFileSync } from 'node:fs'

import { capabilityNames } from '../config/options/privileges.js'

export type CapabilityName = (typeof capabilityNames)[number]

export type CapabilitySet = 'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb'

/** The five sets of a live process (`self` by default), each as the list of names whose bit is set. */
export function capabilitySets(pid: number | 'self' = 'self'): Record<CapabilitySet, CapabilityName[]> {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1')
  const set = (field: CapabilitySet): CapabilityName[] => {
    const mask = BigInt(`0x${new RegExp(`^${field}:\\s+([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`)
    // capabilityNames lists the kernel's capabilities in bit order (CAP_CHOWN is bit 0).
    return capabilityNames.filter((_, bit) => (mask >> BigInt(bit)) & 1n)
  }
  return {
    CapInh: set('CapInh'),
    CapPrm: set('CapPrm'),
    CapEff: set('CapEff'),
    CapBnd: set('CapBnd'),
    CapAmb: set('CapAmb'),
  }
}

/** Which of `wanted` this process cannot use now (not in its effective set). */
export function missingCapabilities(wanted: readonly CapabilityName[]): CapabilityName[] {
  const effective = new Set(capabilitySets().CapEff)
  return wanted.filter((name) => !effective.has(name))
}
