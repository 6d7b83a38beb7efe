// A vassal's master raises on itself the signals its emperor relays over the control channel (an
// unprivileged tyrant emperor without CAP_KILL cannot kill(2) a vassal that runs as another user). The
// handlers then run exactly as for a real signal: one code path for stop, reload and immediate stop.
import { isRelayedSignal } from '../control/messages.js'

export function obeyEmperorSignals(): void {
  process.on('message', (message: unknown) => {
    if (isRelayedSignal(message)) process.kill(process.pid, message.signal)
  })
}
