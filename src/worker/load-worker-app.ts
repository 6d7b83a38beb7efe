// The http.Server a worker feeds its connections to: the app of `module` alone, or a router over it and
// every `mount = /prefix=app.mjs` app.
import type http from 'node:http'

import type { WorkerStart } from '../control/messages.js'
import { loadNodeApp } from '../runtimes/node/load-node-app.js'
import { mountRouter, type MountedApp } from './mount-router.js'

/** How long an app that exports nothing may take before it calls listen() itself. */
const listenWaitMs = 30_000

export async function loadWorkerApp(
  app: WorkerStart['app'],
  log: (line: string) => void,
): Promise<http.Server> {
  if (app.mounts.length === 0 && app.module !== undefined)
    return loadNodeApp({ module: app.module, log, listenWaitMs })
  const mounted: MountedApp[] = []
  if (app.module !== undefined)
    mounted.push({ mountpoint: '', server: await loadNodeApp({ module: app.module, log, listenWaitMs }) })
  for (const mount of app.mounts) {
    mounted.push({
      mountpoint: mount.mountpoint,
      server: await loadNodeApp({ module: mount.module, log, listenWaitMs }),
    })
    log(`mounted ${mount.module} on ${mount.mountpoint}`)
  }
  return mountRouter(mounted)
}
