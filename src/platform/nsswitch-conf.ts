// Reads one database's line of /etc/nsswitch.conf (nsswitch.conf(5)) to learn whether glibc answers a
// lookup from its `files` service before any other. Pure: text in, answer out. When in doubt it says no,
// and the caller then asks getent(1), which applies the whole configuration.

/** One service of a database line with the `[STATUS=action]` items written after it, lower-cased. */
export interface NssService {
  readonly name: string
  readonly actions: readonly string[]
}

/**
 * The services `database` lists, in order, or undefined when the text has no such line, has it twice, or
 * the line does not parse. Comments run from `#` to the end of the line, as glibc strips them.
 */
export function parseNsswitchServices(text: string, database: string): NssService[] | undefined {
  let services: NssService[] | undefined
  let isSeen = false
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim()
    const colon = line.indexOf(':')
    if (colon === -1 || line.slice(0, colon).trim() !== database) continue
    if (isSeen) return undefined
    isSeen = true
    services = parseServiceList(line.slice(colon + 1))
  }
  return services
}

function parseServiceList(list: string): NssService[] | undefined {
  const services: { name: string; actions: string[] }[] = []
  for (const token of list.match(/\[[^\]]*\]?|[^\s[]+/g) ?? []) {
    if (!token.startsWith('[')) {
      services.push({ name: token, actions: [] })
      continue
    }
    const last = services[services.length - 1]
    if (last === undefined || !token.endsWith(']')) return undefined
    const items = token
      .slice(1, -1)
      .toLowerCase()
      .replace(/\s*=\s*/g, '=')
      .split(/\s+/)
    last.actions.push(...items.filter((item) => item.length > 0))
  }
  return services.length === 0 ? undefined : services
}

/** `[!]STATUS=action`; a negated status stands for every status but the one named. */
const actionPattern = /^(!?)(success|notfound|unavail|tryagain)=(return|continue|merge)$/

/**
 * Whether glibc looks `database` up in /etc/passwd or /etc/group first and stops there when the file has
 * the entry: `files` is the first service and none of its actions turns a success into anything but
 * `return` (`[SUCCESS=merge]` would add the next service's members, `[!NOTFOUND=continue]` carry on).
 */
export function isFilesFirst(nsswitchText: string, database: 'passwd' | 'group'): boolean {
  const first = parseNsswitchServices(nsswitchText, database)?.[0]
  if (first?.name !== 'files') return false
  return first.actions.every((item) => {
    const match = actionPattern.exec(item)
    if (match === null) return false
    const [, negation, status, action] = match
    const appliesToSuccess = negation === '!' ? status !== 'success' : status === 'success'
    return !appliesToSuccess || action === 'return'
  })
}
