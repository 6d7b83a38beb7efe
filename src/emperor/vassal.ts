// One vassal as the emperor sees it: its file, its state, its process, and what a change, a death or a
// removal does to it. The emperor never runs app code: a vassal is a `tsgi` instance in its own process.
import type { ChildProcess } from 'node:child_process'

import { isVassalMessage, type EmperorMessage } from '../control/messages.js'
import type { LogLevel } from '../observe/journal.js'
import { IncludedFiles } from './included-files.js'
import type { VassalFile } from './monitors/monitor.js'
import { RestWaiters } from './rest-waiters.js'
import { terminateVassalProcess } from './terminate-vassal-process.js'
import type { VassalContext } from './vassal-context.js'
import { isOwnerChanged, type ApplyOutcome } from './vassal-file-change.js'
import { VassalRecord } from './vassal-record.js'
import {
  hasProcess,
  isAtRest,
  isLegalTransition,
  type RestingState,
  type VassalState,
} from './vassal-state.js'

export class Vassal {
  readonly name: string
  /** Its lives so far: starts, deaths, respawns, throttle (what the stats document shows). */
  readonly record: VassalRecord
  #file: VassalFile
  #state: VassalState = 'spawning'
  #child: ChildProcess | undefined
  #masterKey: string | undefined
  #addresses: readonly string[] = []
  #isVacuum = false
  /**
   * The previous process while its replacement starts (its sockets changed, and none of the new ones is
   * an old one): stopped once the new one serves; serving again if the new one fails.
   */
  #retiring: ChildProcess | undefined
  #configError: string | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped: Promise<void> | undefined
  /** Set while a restart stops the old process: its exit is expected, not a death to respawn from. */
  #isRestarting = false
  /**
   * A change that arrived while the vassal was starting or reloading: it is applied (one more SIGHUP) once
   * the vassal says it serves. A signal before then would hit a master without its handlers yet.
   */
  #isReloadQueued = false
  /** The files the vassal file includes (ini =, inherit …), stamped when its config was last read. */
  readonly #includes = new IncludedFiles()
  readonly #context: VassalContext
  /** Callers of nextAtRest(): told at the next resting state, then forgotten. */
  readonly #restWaiters = new RestWaiters()

  constructor(file: VassalFile, context: VassalContext) {
    this.name = file.name
    this.#file = file
    this.#context = context
    this.record = new VassalRecord(context.throttle)
    this.#start()
  }

  get state(): VassalState {
    return this.#state
  }

  get pid(): number | undefined {
    return hasProcess(this.#state) ? this.#child?.pid : undefined
  }

  get file(): VassalFile {
    return this.#file
  }

  /** The config error that keeps the vassal invalid (or that a refused reload met), if any. */
  get configError(): string | undefined {
    return this.#configError
  }

  /** While `throttled`: the delay before its next try; else 0. */
  get throttleMs(): number {
    return this.#state === 'throttled' ? this.record.throttleMs : 0
  }

  #log(message: string, level: LogLevel = 'info'): void {
    this.#context.logger.log(`[emperor] vassal ${this.name}: ${message}`, level)
  }

  #transition(next: VassalState, reason: string): void {
    if (!isLegalTransition(this.#state, next)) {
      this.#log(
        `ignored an illegal state change ${this.#state} → ${next} (${reason}); this is a bug in tsgi`,
        'error',
      )
      return
    }
    // Under journald the states that need an operator stand out: `<3>` for refused/invalid, `<4>` throttled.
    const level =
      next === 'refused' || next === 'invalid' ? 'error' : next === 'throttled' ? 'warning' : 'info'
    if (this.#state !== next) this.#log(`${this.#state} → ${next} (${reason})`, level)
    this.#state = next
    this.#context.onStateChange(this)
    // Not at rest: ready with a change queued (the queued reload follows at once), or a replacement that
    // failed to start (the old process serves again: #keepOld tells).
    if (!isAtRest(next) || (next === 'ready' && this.#isReloadQueued)) return
    if (this.#retiring !== undefined && next !== 'ready') return
    this.#restWaiters.tell({ state: next, reason, error: this.#configError })
  }

  /**
   * Resolves when the vassal next comes to rest (undefined if `signal` aborts first). Call it before acting,
   * as the state may change within the action itself.
   */
  nextAtRest(signal: AbortSignal): Promise<RestingState | undefined> {
    return this.#restWaiters.next(signal)
  }

  #start(): void {
    clearTimeout(this.#timer)
    this.#isReloadQueued = false
    const refusal = this.#context.refusal(this.#file)
    if (refusal !== undefined) {
      this.#configError = refusal
      this.#context.logger.error(refusal)
      this.#transition('refused', 'tyrant mode refuses it; waiting for the file to change')
      return
    }
    const validation = this.#context.validate(this.#file)
    if (!validation.isValid) {
      this.#configError = validation.errors.join('; ')
      for (const error of validation.errors) this.#log(`config error: ${error}`, 'error')
      this.#transition('invalid', 'its config has errors; waiting for the file to change')
      return
    }
    this.#configError = undefined
    this.#masterKey = validation.masterKey
    this.#addresses = validation.addresses
    this.#isVacuum = validation.isVacuum
    this.#includes.remember(validation.files, this.#file.path)
    const spawned = this.#context.spawn(this.#file, validation)
    if ('refused' in spawned) {
      this.#configError = spawned.refused
      this.#transition('refused', spawned.refused)
      return
    }
    this.#child = spawned
    this.record.started()
    this.#transition('spawning', `started (pid: ${spawned.pid ?? '?'})`)
    const child = spawned
    child.on('message', (message: unknown) => {
      if (!isVassalMessage(message) || this.#child !== child) return
      if (message.type === 'vassal-ready' && (this.#state === 'spawning' || this.#state === 'reloading')) {
        this.record.served()
        this.#transition('ready', 'it serves')
        this.#retireOld()
      } else if (message.type === 'vassal-reload-failed' && this.#state === 'reloading') {
        this.#configError = message.reason
        this.#transition('ready', `its reload failed, the old generation serves: ${message.reason}`)
      } else return
      if (this.#isReloadQueued) {
        this.#isReloadQueued = false
        this.#transition('reloading', 'its file changed while it was busy')
        this.#requestReload(child)
      }
    })
    child.on('error', () => undefined)
    child.once('exit', (code, signal) => this.#onExit(child, code, signal))
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return
    this.record.exited(code, signal)
    const how = signal === null ? `exit code ${code ?? '?'}` : `signal ${signal}`
    if (this.#retiring !== undefined && this.#state !== 'stopping') {
      this.#keepOld(`the new process died before it served (${how})`)
      return
    }
    if (this.#state === 'stopping') {
      this.#transition('stopped', `stopped (${how})`)
      return
    }
    if (this.#isRestarting) return
    if (code === 1 || code === 2) {
      // DESIGN.md exit codes: a config or usage error; retrying before the file changes would fail again.
      this.#transition('invalid', `it exited with a config error (${how}); waiting for the file to change`)
      return
    }
    const delay = this.record.respawnDelayMs()
    if (delay === 0) {
      this.#log(`died (${how}), respawning`, 'warning')
      this.#start()
      return
    }
    this.#transition('throttled', `died (${how}) soon after it started; next try in ${delay}ms`)
    this.#timer = setTimeout(() => this.#start(), delay)
  }

  /**
   * The monitor saw the file change. `force`: take it as changed though its own stamp is not (a file it
   * includes, or what the emperor adds to it, changed). `isDeliberate`: an operator asked (`tsgi reload
   * NAME`, the emperor's SIGHUP), which applies even with emperor-reload-on-change off, that option's very
   * use (uWSGI's #1816).
   */
  apply(file: VassalFile, options: { force?: boolean; isDeliberate?: boolean } = {}): ApplyOutcome {
    const force = options.force === true || options.isDeliberate === true
    const isNewOwner = isOwnerChanged(this.#file, file)
    const isChanged = file.stamp !== this.#file.stamp || isNewOwner
    this.#file = file
    if (!isChanged && !force) return 'unchanged'
    // Stopped by the operator, it stays stopped whatever happens to its file, until `tsgi start NAME`.
    if (this.#state === 'stopping' || this.#state === 'stopped') return 'inactive'
    if (isNewOwner && hasProcess(this.#state)) {
      // In tyrant mode the owner is who the vassal runs as: a new owner means a new process.
      this.#log('its file changed owner: restarting it')
      void this.#restart()
      return 'restarting'
    }
    if (!hasProcess(this.#state)) {
      this.record.resetThrottle()
      this.#start()
      return 'starting'
    }
    if (!this.#context.isReloadOnChange && options.isDeliberate !== true) {
      this.#log('its config changed; emperor-reload-on-change is off, so it keeps running as it is')
      return 'held'
    }
    const validation = this.#context.validate(file)
    if (!validation.isValid) {
      // uWSGI would curse the vassal; tsgi keeps the old config serving and reports the error.
      this.#configError = validation.errors.join('; ')
      for (const error of validation.errors)
        this.#log(`new config refused, the old one keeps serving: ${error}`, 'error')
      this.#context.onStateChange(this)
      return 'refused'
    }
    this.#configError = undefined
    this.#includes.remember(validation.files, file.path)
    if (validation.masterKey !== this.#masterKey) {
      const isOverlapping = validation.addresses.some((address) => this.#addresses.includes(address))
      if (isOverlapping || this.#state === 'spawning' || this.#state === 'reloading') {
        this.#log('options of its master changed (sockets, uid/gid, logs): restarting it')
        void this.#restart()
        return 'restarting'
      }
      this.#replace()
      return 'replacing'
    }
    if (this.#state === 'spawning' || this.#state === 'reloading') {
      this.#isReloadQueued = true
      return 'queued'
    }
    this.#transition(
      'reloading',
      options.isDeliberate === true
        ? 'asked to reload'
        : force
          ? 'a file it includes changed'
          : 'its file changed',
    )
    if (this.#child !== undefined) this.#requestReload(this.#child)
    return 'reloading'
  }

  /** `tsgi start NAME`: a stopped vassal starts, a throttled, invalid or refused one tries again now. */
  start(file: VassalFile): boolean {
    if (hasProcess(this.#state)) return false
    this.#file = file
    this.#stopped = undefined
    this.record.resetThrottle()
    this.#start()
    return true
  }

  /** The instance's rolling reload, from the command line as it is now (the emperor's templates may change). */
  #requestReload(child: ChildProcess): void {
    const message: EmperorMessage = { type: 'vassal-reload', argv: this.#context.commandLine(this.#file) }
    // A channel already gone means the process is going too: its exit is handled as any other.
    if (child.connected) child.send(message, () => undefined)
  }

  /**
   * Resolves once the vassal is done starting, reloading or restarting (whatever the outcome): the emperor
   * reloads vassals one at a time after a SIGHUP.
   */
  async settled(): Promise<void> {
    if (this.#isBusy()) await this.nextAtRest(new AbortController().signal)
  }

  #isBusy(): boolean {
    return this.#isRestarting || this.#state === 'spawning' || this.#state === 'reloading'
  }

  /**
   * Its master's options changed and its new sockets are all new addresses: the new process binds them and
   * loads its app while the old one still serves, and the old one is stopped only once the new one is ready.
   */
  #replace(): void {
    const old = this.#child
    this.#log('options of its master changed and its sockets are new: starting the new process first')
    this.#retiring = old
    this.#start()
    // Not started after all (refused, or its config failed now): the old process goes on serving.
    if (this.#child === old)
      this.#keepOld(`the new process did not start: ${this.#configError ?? this.#state}`)
  }

  /** The replacement failed: the process it was to replace is the vassal again. */
  #keepOld(why: string): void {
    const old = this.#retiring
    this.#retiring = undefined
    if (old === undefined || old.exitCode !== null || old.signalCode !== null) return
    this.#child = old
    this.#state = 'ready'
    this.#log(`${why}; the old process keeps serving`, 'warning')
    this.#context.onStateChange(this)
    this.#restWaiters.tell({ state: 'ready', reason: why, error: why })
  }

  /** The replacement serves: the process it replaces stops gracefully. */
  #retireOld(): void {
    const old = this.#retiring
    this.#retiring = undefined
    if (old === undefined) return
    this.#log(`the new process serves: stopping the old one (pid: ${old.pid ?? '?'})`)
    void this.#terminate(old)
  }

  async #restart(): Promise<void> {
    this.#isRestarting = true
    await this.#terminate(this.#child)
    this.#isRestarting = false
    if (this.#stopped !== undefined) return
    this.record.resetThrottle()
    this.#start()
  }

  /** SIGTERM, then SIGKILL after the mercy; resolves when the process is gone. */
  #terminate(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return terminateVassalProcess(child, { signal, mercyMs: this.#context.mercyMs })
  }

  /**
   * The monitors watch vassal files, not what they include: the emperor calls this on each rescan, and an
   * included file that changed counts as a change of the vassal file (uWSGI never notices those).
   */
  checkIncludes(): void {
    const changed = this.#includes.findChanged()
    if (changed === undefined) return
    this.#log(`${changed}, which its config includes, changed`)
    this.apply(this.#file, { force: true })
  }

  /**
   * Graceful stop (the file was removed, the emperor stops, or `tsgi stop NAME`: then the vassal stays,
   * stopped, until `start`); idempotent until it starts again.
   */
  stop(signal: NodeJS.Signals = 'SIGTERM', why?: string): Promise<void> {
    this.#stopped ??= (async () => {
      clearTimeout(this.#timer)
      if (hasProcess(this.#state)) {
        this.#transition('stopping', why ?? (signal === 'SIGKILL' ? 'killed' : 'stopping'))
        const retiring = this.#retiring
        this.#retiring = undefined
        await Promise.all([this.#terminate(this.#child, signal), this.#terminate(retiring, signal)])
        if (this.#isVacuum) {
          const paths = this.#addresses.flatMap((key) => (key.startsWith('unix:') ? [key.slice(5)] : []))
          await this.#context.vacuum(this, paths)
        }
      } else {
        this.#state = 'stopping'
        this.#transition('stopped', why ?? 'removed')
      }
    })()
    return this.#stopped
  }
}
