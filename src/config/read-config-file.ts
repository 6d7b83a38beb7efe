// Reads one config file as text, refusing what cannot be a config: too large, binary, not UTF-8.
import { readFileSync, statSync } from 'node:fs'

import { makeError, type TsgiError, type Where } from '../errors/tsgi-error.js'

/** DESIGN.md "Config files": a config larger than 1 MiB is refused with its own error code. */
export const maxConfigFileBytes = 1024 * 1024

export type ReadResult =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: TsgiError }

/** Offset of the first byte that breaks UTF-8 (or is NUL), or -1 when the buffer is clean text. */
function firstBadByte(bytes: Buffer): number {
  let index = 0
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0
    if (byte === 0) return index
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte <= 0xdf
          ? 2
          : byte >= 0xe0 && byte <= 0xef
            ? 3
            : byte >= 0xf0 && byte <= 0xf4
              ? 4
              : 0
    if (length === 0 || index + length > bytes.length) return index
    for (let k = 1; k < length; k++) if (((bytes[index + k] ?? 0) & 0xc0) !== 0x80) return index
    index += length
  }
  // A last check for overlong and surrogate forms the quick scan lets through.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return 0
  }
  return -1
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1
  for (let index = 0; index < offset; index++) if (bytes[index] === 0x0a) line++
  return line
}

/**
 * Reads `filePath` (shown to the user as `displayName`). `from` is where the file was named (an include
 * line, an argument); problems with the file as a whole are reported there.
 */
export function readConfigFile(filePath: string, displayName: string, from: Where | undefined): ReadResult {
  let sizeBytes: number
  try {
    const stat = statSync(filePath)
    if (stat.isDirectory()) {
      return {
        ok: false,
        error: makeError(
          'ERR_CONFIG_FILE_UNREADABLE',
          { file: displayName, reason: 'it is a directory' },
          { where: from },
        ),
      }
    }
    sizeBytes = stat.size
  } catch (cause) {
    return { ok: false, error: fileError(cause, displayName, from) }
  }
  if (sizeBytes > maxConfigFileBytes) {
    const error = makeError(
      'ERR_CONFIG_FILE_TOO_LARGE',
      { file: displayName, sizeBytes, limitBytes: maxConfigFileBytes },
      { where: { file: displayName, line: 1 } },
    )
    return { ok: false, error }
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(filePath)
  } catch (cause) {
    return { ok: false, error: fileError(cause, displayName, from) }
  }
  // A file that grew past the limit between stat and read is refused the same way.
  if (bytes.length > maxConfigFileBytes) {
    const error = makeError(
      'ERR_CONFIG_FILE_TOO_LARGE',
      { file: displayName, sizeBytes: bytes.length, limitBytes: maxConfigFileBytes },
      { where: { file: displayName, line: 1 } },
    )
    return { ok: false, error }
  }
  const bad = firstBadByte(bytes)
  if (bad !== -1) {
    const reason =
      bytes[bad] === 0
        ? `it holds a NUL byte at offset ${bad}`
        : `it holds a byte that is not UTF-8 at offset ${bad}`
    return {
      ok: false,
      error: makeError(
        'ERR_CONFIG_NOT_TEXT',
        { file: displayName, reason },
        { where: { file: displayName, line: lineAt(bytes, bad) } },
      ),
    }
  }
  return { ok: true, text: bytes.toString('utf8') }
}

function fileError(cause: unknown, displayName: string, from: Where | undefined): TsgiError {
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : ''
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return makeError('ERR_CONFIG_FILE_NOT_FOUND', { file: displayName }, { where: from, cause })
  }
  const reason =
    code === 'EACCES'
      ? 'permission denied'
      : code === 'ELOOP'
        ? 'too many symbolic links'
        : `error ${code || 'unknown'}`
  return makeError('ERR_CONFIG_FILE_UNREADABLE', { file: displayName, reason }, { where: from, cause })
}
