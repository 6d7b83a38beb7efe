// `mount` and `manage-script-name` (reference §4.4, uWSGI core/protocol.c): split PATH_INFO into the
// mountpoint of the app that serves the request (SCRIPT_NAME) and the path within that app. Pure: no I/O.
import { findVar } from './find-var.js'
import type { UwsgiVar } from './vars-decoder.js'

export interface ApplyScriptNameOptions {
  /** The `manage-script-name` option. Off: SCRIPT_NAME and PATH_INFO stay as the client sent them. */
  readonly manageScriptName: boolean
}

export interface ScriptNameResult {
  /** A new array; the input is not modified. Unchanged entries are shared with it (setLast replaces). */
  readonly vars: UwsgiVar[]
  /** The mountpoint (as configured) of the app that serves the request; undefined for the default app. */
  readonly mountpoint: string | undefined
}

/**
 * With `manage-script-name`, picks the longest mountpoint that is a prefix of PATH_INFO ending on a '/'
 * boundary (a trailing '/' of the mountpoint is ignored, and '/' or '' never matches: that is the default
 * app), sets SCRIPT_NAME to it and strips it from PATH_INFO, as uWSGI does. A PATH_INFO of '' or '/' is left
 * alone. When no mountpoint matches and no SCRIPT_NAME was sent, an empty SCRIPT_NAME is added.
 *
 * One deliberate difference: uWSGI sets SCRIPT_NAME to the mountpoint *with* its trailing '/' and strips
 * that many bytes, so `mount = /app/=…` turns PATH_INFO /app/x into SCRIPT_NAME "/app/" and PATH_INFO
 * "x" (and /app into a negative length). tsgi uses the mountpoint without the '/': "/app" and "/x", which
 * is what CGI and PEP 3333 require (SCRIPT_NAME + PATH_INFO is the path).
 *
 * Without `manage-script-name` the vars are kept, and the mountpoint is the one equal to the SCRIPT_NAME the
 * client sent (uWSGI's app lookup by SCRIPT_NAME).
 */
export function applyScriptName(
  vars: readonly UwsgiVar[],
  mountpoints: readonly string[],
  options: ApplyScriptNameOptions,
): ScriptNameResult {
  const copy = vars.slice()
  if (!options.manageScriptName) {
    const scriptName = withoutTrailingSlash(findVar(vars, 'SCRIPT_NAME') ?? '')
    const mountpoint = mountpoints.find((m) => m !== '' && withoutTrailingSlash(m) === scriptName)
    return { vars: copy, mountpoint: scriptName === '' ? undefined : mountpoint }
  }
  const pathInfo = findVar(vars, 'PATH_INFO')
  if (pathInfo === undefined || pathInfo.length <= 1) return { vars: copy, mountpoint: undefined }
  let best: string | undefined
  let bestPrefix = ''
  for (const mountpoint of mountpoints) {
    const prefix = withoutTrailingSlash(mountpoint)
    const isBoundary = pathInfo.length === prefix.length || pathInfo[prefix.length] === '/'
    if (prefix.length > bestPrefix.length && pathInfo.startsWith(prefix) && isBoundary) {
      best = mountpoint
      bestPrefix = prefix
    }
  }
  if (best === undefined) {
    if (findVar(vars, 'SCRIPT_NAME') === undefined) copy.push(['SCRIPT_NAME', ''])
    return { vars: copy, mountpoint: undefined }
  }
  setLast(copy, 'SCRIPT_NAME', bestPrefix)
  setLast(copy, 'PATH_INFO', pathInfo.slice(bestPrefix.length))
  return { vars: copy, mountpoint: best }
}

const withoutTrailingSlash = (path: string): string => (path.endsWith('/') ? path.slice(0, -1) : path)

/** Sets the last var named `key` (the one findVar reads), or appends it. */
function setLast(vars: UwsgiVar[], key: string, value: string): void {
  const index = vars.findLastIndex(([k]) => k === key)
  if (index === -1) vars.push([key, value])
  else vars[index] = [key, value]
}
