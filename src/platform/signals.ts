// One signal → intent table (DESIGN.md decision 6, systemd conventions). uWSGI's SIGTERM-means-reload is
// deliberately not copied (docs/differences.md).

export type SignalIntent = 'graceful-stop' | 'reload' | 'immediate-stop'

export const signalIntents: Readonly<Record<'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT', SignalIntent>> = {
  SIGTERM: 'graceful-stop',
  SIGINT: 'graceful-stop',
  SIGHUP: 'reload',
  SIGQUIT: 'immediate-stop',
}

/** Calls `handle` with the intent of each signal of the table; returns a function that removes the handlers. */
export function onSignalIntents(handle: (intent: SignalIntent, signal: NodeJS.Signals) => void): () => void {
  const entries = Object.entries(signalIntents) as [NodeJS.Signals, SignalIntent][]
  const listeners = entries.map(([signal, intent]) => {
    const listener = (): void => handle(intent, signal)
    process.on(signal, listener)
    return [signal, listener] as const
  })
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener)
  }
}
