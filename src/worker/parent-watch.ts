// A worker exits when its master goes away: by the IPC channel's disconnect here, and by the parent-death
// signal setpriv set at spawn for a worker stuck in app code that never sees the disconnect (DESIGN.md 5).
export function onParentGone(exit: () => void): void {
  process.on('disconnect', exit)
}
