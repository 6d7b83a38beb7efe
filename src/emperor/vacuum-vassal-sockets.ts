// `vacuum` finished by the emperor. A vassal master that dropped privileges may not unlink its sockets in a
// directory only root may write (the usual /run/tsgi), so once such a vassal has stopped for good the emperor
// removes what it left behind: only a path that is still a socket (never a symlink or another kind of file)
// on which nobody accepts connections. Never for a tyrant vassal (validate-vassal.ts): what a vassal file
// causes runs with its owner's credentials.
import { lstatSync } from 'node:fs'

import type { Logger } from '../observe/logger.js'
import { clearUnixPath } from '../platform/clear-unix-path.js'

export async function vacuumVassalSockets(
  vassalName: string,
  paths: readonly string[],
  logger: Logger,
): Promise<void> {
  for (const path of paths) {
    // Gone already: the vassal's own vacuum could remove it.
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) continue
    const problem = await clearUnixPath(path, path)
    if (problem === undefined)
      logger.log(
        `[emperor] vassal ${vassalName}: vacuum: removed its stale socket ${path} (its own user could not)`,
      )
  }
}
