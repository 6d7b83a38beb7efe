// The vassal's side of a privileged socket chown (tyrant mode, DESIGN.md "Privileges"): the master runs as
// its file's owner and cannot give its socket to another user (nginx), so it asks its emperor over the
// control channel and waits for the answer. The emperor decides everything; this only carries the question.
import path from 'node:path'

import { emperorChownsVariable, isChownSocketDone, type ChownSocketRequest } from '../control/messages.js'
import type { EmperorChown } from './listeners.js'

/** Bounds the wait for a busy emperor; it answers at once, so only a stuck emperor reaches this. */
const answerTimeoutMs = 30_000

/**
 * The chown-by-emperor function when the emperor offers it (its marker in `env`, which is removed so that
 * no worker sees it), else undefined.
 */
export function emperorChownFrom(env: NodeJS.ProcessEnv): EmperorChown | undefined {
  const isOffered = env[emperorChownsVariable] === '1'
  Reflect.deleteProperty(env, emperorChownsVariable)
  if (!isOffered || process.send === undefined) return undefined
  return (socketPath) =>
    new Promise((resolve) => {
      const absolute = path.resolve(socketPath)
      const finish = (refusal: string | undefined): void => {
        clearTimeout(timer)
        process.off('message', onMessage)
        process.off('disconnect', onGone)
        resolve(refusal)
      }
      const onMessage = (message: unknown): void => {
        if (isChownSocketDone(message) && message.path === absolute) finish(message.refusal ?? undefined)
      }
      const onGone = (): void => finish('the emperor went away before it answered')
      const timer = setTimeout(
        () => finish(`the emperor did not answer within ${answerTimeoutMs / 1000} s`),
        answerTimeoutMs,
      )
      process.on('message', onMessage)
      process.once('disconnect', onGone)
      const request: ChownSocketRequest = { type: 'chown-socket', path: absolute }
      process.send?.(request, () => undefined)
    })
}
