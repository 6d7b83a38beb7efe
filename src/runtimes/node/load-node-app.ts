// Loads a Node.js app module in a worker and makes an http.Server of it, whatever shape it exports: a
// request listener `(req, res)` (Express apps are one), an http.Server, a Koa-style app (`callback()`), a
// Fastify instance (`ready()` + `server`), a fetch-style handler (`{ fetch }`, Hono), a promise of one of
// these, or nothing at all because the module called `app.listen()` itself (captured, see capture-listen).
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { makeError, type TsgiError } from '../../errors/tsgi-error.js'
import { captureListen } from './capture-listen.js'
import { fetchListener, type FetchHandler } from './fetch-adapter.js'

export interface NodeAppSpec {
  /** `module` as configured: a path, optionally `:exportName`. */
  readonly module: string
  readonly log: (line: string) => void
  /** How long to wait for an app that exports nothing usable to call listen() (async setup first). */
  readonly listenWaitMs: number
}

/** `app.mjs:api` → file app.mjs, export api. A ':' followed by a path separator is part of the path. */
export function splitModuleSpec(spec: string): { file: string; exportName: string | undefined } {
  const match = /^(.*\.(?:m|c)?[jt]s):([A-Za-z_$][\w$]*)$/.exec(spec)
  return match === null
    ? { file: spec, exportName: undefined }
    : { file: match[1] ?? spec, exportName: match[2] }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/** An http.Server for `value`, or undefined when it is none of the shapes tsgi knows. */
async function serverOf(value: unknown, log: (line: string) => void): Promise<http.Server | undefined> {
  if (value instanceof http.Server) return value
  if (typeof value === 'function') return http.createServer(value as http.RequestListener)
  if (!isObject(value)) return undefined
  if (typeof value.then === 'function') return serverOf(await (value as unknown as Promise<unknown>), log)
  if (typeof value.ready === 'function' && value.server instanceof http.Server) {
    await (value.ready as () => Promise<unknown>).call(value)
    return value.server
  }
  if (typeof value.callback === 'function')
    return http.createServer((value.callback as () => http.RequestListener).call(value))
  if (typeof value.fetch === 'function') {
    return http.createServer(fetchListener((value.fetch as FetchHandler).bind(value), log))
  }
  return undefined
}

function describeExport(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'object')
    return `an object with keys ${Object.keys(value).slice(0, 8).join(', ') || '(none)'}`
  return `a ${typeof value}`
}

function loadError(module: string, reason: string, cause?: unknown): TsgiError {
  return makeError('ERR_RUNTIME_LOAD_FAILED', { module, reason }, { cause })
}

export async function loadNodeApp(spec: NodeAppSpec): Promise<http.Server> {
  const { file, exportName } = splitModuleSpec(spec.module)
  const absolute = path.resolve(file)
  // process.features.typescript exists from Node 22.10 (type stripping); @types/node 20 does not know it.
  const canStripTypes = (process.features as { typescript?: unknown }).typescript
  if (/\.[mc]?ts$/.test(absolute) && (canStripTypes === undefined || canStripTypes === false)) {
    throw loadError(
      spec.module,
      `TypeScript entry files need a Node.js that strips types (22.6 or later); this is ${process.version}`,
    )
  }
  const capture = captureListen(spec.log)
  let namespace: Record<string, unknown>
  try {
    namespace = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>
  } catch (cause) {
    const reason = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)
    if ((cause as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && reason.includes(absolute)) {
      throw loadError(spec.module, `the file ${absolute} does not exist`, cause)
    }
    throw loadError(spec.module, reason, cause)
  }
  // The module's own server wins: ws and friends attach their 'upgrade' handlers to it.
  const captured = capture.server()
  if (captured !== undefined) return captured
  const exported =
    exportName === undefined
      ? (namespace.default ?? namespace.app ?? namespace.handler)
      : namespace[exportName]
  if (exportName !== undefined && !(exportName in namespace)) {
    throw loadError(spec.module, `it has no export named ${JSON.stringify(exportName)}`)
  }
  const server = await serverOf(exported, spec.log)
  if (server !== undefined) return capture.server() ?? server
  // Nothing usable exported: the module may still be setting up before it calls listen().
  const timer = new Promise<undefined>((resolve) =>
    setTimeout(() => resolve(undefined), spec.listenWaitMs).unref(),
  )
  const late = await Promise.race([capture.whenCaptured, timer])
  if (late !== undefined) return late
  throw loadError(
    spec.module,
    `it exports ${describeExport(exported)} and did not call listen() within ${spec.listenWaitMs}ms: export a request listener, an http.Server, a Koa/Fastify app or a { fetch } handler, or call app.listen()`,
  )
}
