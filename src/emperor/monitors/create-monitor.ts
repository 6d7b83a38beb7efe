// One `emperor = …` value → one monitor, following uWSGI's rules (reference §1.2): a `dir://` or `glob://`
// prefix picks the monitor; otherwise a value with glob magic (`*`, `?`, `[…]`) is a glob, an existing
// file is a glob matching that one file, and anything else is a directory. Unlike uWSGI, a missing
// directory is still a directory monitor: it governs nothing until the directory appears (with one log
// line), instead of silently becoming a glob that never matches.
import { statSync } from 'node:fs'
import path from 'node:path'

import { makeError } from '../../errors/tsgi-error.js'
import { DirMonitor } from './dir-monitor.js'
import { compileGlob } from './compile-glob.js'
import { GlobMonitor } from './glob-monitor.js'
import type { Monitor, MonitorOptions } from './monitor.js'

export function createMonitor(spec: string, options: MonitorOptions): Monitor {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)
  if (scheme !== null) {
    const rest = spec.slice(scheme[0].length)
    switch (scheme[1]?.toLowerCase()) {
      case 'dir':
        return new DirMonitor(rest, options)
      case 'glob':
        return new GlobMonitor(compileGlob(rest), options)
      default:
        throw makeError('ERR_CONFIG_INVALID_VALUE', {
          option: 'emperor',
          expected:
            'a directory, a glob pattern, or a dir:// or glob:// URL (no other imperial monitor exists yet)',
          // Only the scheme: the rest of a database URL may hold a password.
          value: `${scheme[0]}…`,
        })
    }
  }
  const pattern = compileGlob(spec)
  if (pattern.segments.some((segment) => segment.kind === 'pattern')) return new GlobMonitor(pattern, options)
  // No magic: every segment is a literal, with any `\` escapes already removed.
  const literalPath = path.join(
    pattern.base,
    ...pattern.segments.map((s) => (s.kind === 'literal' ? s.name : '')),
  )
  if (statSync(literalPath, { throwIfNoEntry: false })?.isFile() === true)
    return new GlobMonitor(pattern, options)
  return new DirMonitor(literalPath, options)
}
