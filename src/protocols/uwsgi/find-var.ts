// The value of a var by key. When a key repeats, the last one wins, as in uWSGI's parser and the WSGI
// environ it builds (reference §3.1); callers that want every occurrence walk the vars themselves.
import type { UwsgiVar } from './vars-decoder.js'

export function findVar(vars: readonly UwsgiVar[], key: string): string | undefined {
  for (let index = vars.length - 1; index >= 0; index--) {
    const entry = vars[index]
    if (entry !== undefined && entry[0] === key) return entry[1]
  }
  return undefined
}
