// `@(file)`: a file's content as an option value, minus exactly one trailing newline (uWSGI's rule).
import path from 'node:path'

import { readConfigFile } from './read-config-file.js'

export type AtFileResult =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string }

export function readAtFile(file: string, baseDir: string): AtFileResult {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    return {
      ok: false,
      reason: 'tsgi reads only local files here, not uWSGI schemes such as exec:// or http://',
    }
  }
  const read = readConfigFile(path.resolve(baseDir, file), file, undefined)
  if (!read.ok) {
    const code = read.error.code
    const reason =
      code === 'ERR_CONFIG_FILE_NOT_FOUND'
        ? 'the file does not exist'
        : code === 'ERR_CONFIG_FILE_TOO_LARGE'
          ? 'the file is larger than 1 MiB'
          : code === 'ERR_CONFIG_NOT_TEXT'
            ? 'the file is not UTF-8 text'
            : 'the file cannot be read'
    return { ok: false, reason }
  }
  const text = read.text
  return { ok: true, text: text.endsWith('\n') || text.endsWith('\r') ? text.slice(0, -1) : text }
}
