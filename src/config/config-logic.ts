// uWSGI's config logic (if-*/endif, for*/endfor), applied while a file is read, as uWSGI does
// ("immediate" options). Blocks do not nest, as in uWSGI; a block must end in the file that opened it.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type { DiagnosticList } from './diagnostic.js'
import { findOption } from './options/option-lookup.js'
import { whereOf, type RawSetting } from './raw-setting.js'

const ifKeys = new Set([
  'if-env',
  'if-not-env',
  'if-exists',
  'if-not-exists',
  'if-file',
  'if-not-file',
  'if-dir',
  'if-not-dir',
  'if-directory',
  'if-opt',
  'if-not-opt',
  'if-hostname',
  'if-not-hostname',
])
const forKeys = new Set(['for', 'for-glob', 'for-times', 'for-readline'])
const endIfKeys = new Set(['endif', 'end-if'])
const endForKeys = new Set(['endfor', 'end-for'])

export function isLogicKey(key: string): boolean {
  return ifKeys.has(key) || forKeys.has(key) || endIfKeys.has(key) || endForKeys.has(key)
}

export interface LogicHost {
  readonly env: NodeJS.ProcessEnv
  /** Settings collected so far, for if-opt. */
  readonly collected: () => readonly RawSetting[]
}

function statKind(target: string): 'file' | 'dir' | 'other' | undefined {
  try {
    const stat = statSync(target)
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other'
  } catch {
    return undefined
  }
}

/** Evaluates an if-* test; returns the value `%(_)` takes inside the block, or undefined when false. */
function evaluateIf(setting: RawSetting, host: LogicHost): string | undefined {
  const negated = setting.key.includes('-not-')
  const test = setting.key.replace('-not-', '-')
  const arg = setting.value
  let holds: boolean
  let context = arg
  switch (test) {
    case 'if-env': {
      const [name = '', wanted] = splitOnce(arg)
      const actual = host.env[name]
      holds = actual !== undefined && (wanted === undefined || actual === wanted)
      context = actual ?? ''
      break
    }
    case 'if-exists':
      holds = statKind(path.resolve(setting.baseDir, arg)) !== undefined
      break
    case 'if-file':
      holds = statKind(path.resolve(setting.baseDir, arg)) === 'file'
      break
    case 'if-dir':
    case 'if-directory':
      holds = statKind(path.resolve(setting.baseDir, arg)) === 'dir'
      break
    case 'if-opt': {
      const [name = '', wanted] = splitOnce(arg)
      const canonical = findOption(name)?.name
      const found = [...host.collected()]
        .reverse()
        .find((s) => s.key === name || (canonical !== undefined && findOption(s.key)?.name === canonical))
      holds = found !== undefined && (wanted === undefined || found.value === wanted)
      context = found?.value ?? ''
      break
    }
    case 'if-hostname':
      holds = os.hostname() === arg
      break
    default:
      holds = false
  }
  if (negated) return holds ? undefined : arg
  return holds ? context : undefined
}

function splitOnce(text: string): [string, string | undefined] {
  const at = text.indexOf('=')
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)]
}

/** The words a for-* block repeats over. */
function forWords(setting: RawSetting): string[] {
  switch (setting.key) {
    case 'for':
      return setting.value.split(' ').filter((word) => word !== '')
    case 'for-times': {
      const count = /^\d+$/.test(setting.value) ? Math.min(Number(setting.value), 10_000) : 0
      return Array.from({ length: count }, (_, index) => String(index + 1))
    }
    case 'for-readline': {
      try {
        const text = readFileSync(path.resolve(setting.baseDir, setting.value), 'utf8')
        return text
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '')
      } catch {
        return []
      }
    }
    case 'for-glob':
      return expandGlob(path.resolve(setting.baseDir, setting.value))
    default:
      return []
  }
}

/** `*` and `?` in the last path component (Node 20 has no fs.glob). */
function expandGlob(pattern: string): string[] {
  const dir = path.dirname(pattern)
  const base = path.basename(pattern)
  const regex = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  )
  try {
    return readdirSync(dir)
      .filter((name) => regex.test(name))
      .sort()
      .map((name) => path.join(dir, name))
  } catch {
    return []
  }
}

const withContext = (setting: RawSetting, context: string): RawSetting => ({
  ...setting,
  key: setting.key.replaceAll('%(_)', context),
  value: setting.value.replaceAll('%(_)', context),
})

/**
 * Applies if/for blocks to the settings of one file (or the command line), in order. `sink` receives each
 * setting that survives, as it is reached, so includes inside a block are loaded in the right place.
 */
export function applyConfigLogic(
  settings: readonly RawSetting[],
  host: LogicHost,
  diagnostics: DiagnosticList,
  sink: (setting: RawSetting) => void,
): void {
  type Block =
    | { kind: 'if'; opener: RawSetting; context: string | undefined }
    | { kind: 'for'; opener: RawSetting; body: RawSetting[] }
  let block: Block | undefined
  for (const setting of settings) {
    const key = setting.key
    if (ifKeys.has(key) || forKeys.has(key)) {
      if (block !== undefined) {
        diagnostics.add(
          'ERR_CONFIG_LOGIC',
          { problem: `"${key}" opens a block inside the "${block.opener.key}" block: blocks do not nest` },
          whereOf(setting.origin),
        )
        continue
      }
      block = ifKeys.has(key)
        ? { kind: 'if', opener: setting, context: evaluateIf(setting, host) }
        : { kind: 'for', opener: setting, body: [] }
      continue
    }
    if (endIfKeys.has(key) || endForKeys.has(key)) {
      const wanted = endIfKeys.has(key) ? 'if' : 'for'
      if (block === undefined || block.kind !== wanted) {
        diagnostics.add(
          'ERR_CONFIG_LOGIC',
          { problem: `"${key}" has no open ${wanted} block to close` },
          whereOf(setting.origin),
        )
        continue
      }
      if (block.kind === 'for') {
        for (const word of forWords(block.opener))
          for (const line of block.body) sink(withContext(line, word))
      }
      block = undefined
      continue
    }
    if (block === undefined) sink(setting)
    else if (block.kind === 'for') block.body.push(setting)
    else if (block.context !== undefined) sink(withContext(setting, block.context))
  }
  if (block !== undefined) {
    const closer = block.kind === 'if' ? 'endif' : 'endfor'
    diagnostics.add(
      'ERR_CONFIG_LOGIC',
      { problem: `"${block.opener.key}" is never closed by "${closer}"` },
      whereOf(block.opener.origin),
    )
  }
}
