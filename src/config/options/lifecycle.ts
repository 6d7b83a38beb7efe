// Lifecycle: graceful reload and stop deadlines, reload triggers, worker recycling and limits, pidfiles and
// vacuum, and the commands an instance runs beside its app (daemons, cron, exec hooks).
import { boolean, duration, integer, path, size, string } from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const instance = ['instance'] as const
const seconds = () => duration({ plainUnit: 's' })
const megabytes = () => size({ plainUnitBytes: 1024 ** 2 })
const command = (what: string) => string({ expected: what })

export const lifecycleOptions = defineOptions('Lifecycle: reloads, limits, recycling, daemons and hooks', {
  'worker-reload-mercy': one({
    roles: instance,
    type: seconds(),
    default: 60_000,
    doc: 'How long a worker may take to finish its requests on a reload or stop before it is killed',
    details:
      'A number of seconds or a duration (`90s`, `2m`); 60 s as in uWSGI. Timeouts are ordered: this one ' +
      "is below the emperor's vassal stop mercy (`emperor-curse-tolerance`, 75 s), which is below the " +
      "shipped systemd unit's TimeoutStopSec, so every layer gets to stop gracefully before the one above " +
      'it loses patience. Keep that order when raising it.',
  }),
  'reload-mercy': optional({
    roles: ['emperor', 'instance'],
    type: seconds(),
    doc: 'Deadline for a whole graceful stop: the emperor stopping its vassals, or an instance its processes',
    details:
      'In the emperor, unset means `emperor-curse-tolerance` (75 s): when it stops, vassals still alive ' +
      "after that long are killed. uWSGI's emperor uses 30 s there, which cuts a vassal's 60 s " +
      '`worker-reload-mercy` short. In an instance, unset means `worker-reload-mercy`, and it also bounds ' +
      'how long attached daemons get to exit.',
    plannedIn: 3,
  }),
  'touch-reload': list({
    roles: instance,
    type: path(),
    implies: ['master'],
    doc: "Reload gracefully when this file's modification time changes, or it appears or disappears",
    details:
      'Repeatable. The reload is the rolling, readiness-gated one: a new worker must be ready before an ' +
      'old one is retired, and the listening sockets never close.',
  }),
  'touch-chain-reload': list({
    roles: instance,
    type: path(),
    implies: ['master'],
    doc: 'Replace the workers one at a time when this file changes',
    details: 'In tsgi every reload is already a chain reload, so this behaves as `touch-reload`.',
  }),
  'touch-workers-reload': list({
    roles: instance,
    type: path(),
    implies: ['master'],
    doc: 'Replace only the workers, without re-reading the config, when this file changes',
    plannedIn: 'later',
  }),
  'touch-logreopen': list({
    roles: instance,
    type: path(),
    implies: ['master'],
    doc: 'Reopen the log file when this file changes (after logrotate)',
    plannedIn: 'later',
  }),
  'fs-reload': list({
    roles: instance,
    type: path(),
    implies: ['master'],
    doc: 'Reload gracefully when this file or directory changes, watched with inotify',
    plannedIn: 'later',
  }),
  'exit-on-reload': one({
    roles: instance,
    type: boolean(),
    default: false,
    doc: 'Exit instead of reloading when a reload is requested',
    plannedIn: 'later',
  }),
  harakiri: one({
    short: 't',
    roles: instance,
    type: seconds(),
    default: 0,
    doc: 'Kill a worker whose current request has run longer than this (0 = off)',
    details:
      'A number of seconds or a duration. The master kills the whole worker process (SIGKILL), with every ' +
      'request in it, and spawns a new one at once, as in uWSGI; it logs `*** HARAKIRI ON WORKER N … ***`. ' +
      'Workers report when their oldest request in flight began (at once when they get busy, then every ' +
      'half of harakiri, at most every second), so a worker stuck in a busy loop is caught too, within ' +
      'about half a second after the limit.',
  }),
  'harakiri-verbose': one({
    roles: instance,
    type: boolean(),
    default: false,
    doc: 'Log what a worker was doing (its syscall and wait channel, from /proc) when harakiri kills it',
    plannedIn: 'later',
  }),
  'harakiri-graceful-timeout': one({
    roles: instance,
    type: seconds(),
    default: 0,
    doc: 'On harakiri, send SIGTERM first and kill only after this long (0 = kill at once)',
    plannedIn: 'later',
  }),
  'max-requests': one({
    short: 'R',
    roles: ['instance', 'worker'],
    type: integer({ min: 0 }),
    default: 0,
    doc: 'Replace a worker gracefully after it has served this many requests (0 = never)',
    plannedIn: 'later',
  }),
  'max-requests-delta': one({
    roles: ['instance', 'worker'],
    type: integer({ min: 0 }),
    default: 0,
    doc: 'Add (worker number - 1) times this to `max-requests`, so that workers are not all replaced at once',
    plannedIn: 'later',
  }),
  'min-worker-lifetime': one({
    roles: instance,
    type: seconds(),
    default: 10_000,
    doc: 'Never recycle a worker younger than this, whatever the request and memory limits say',
    details: '10 s as in uWSGI.',
    plannedIn: 'later',
  }),
  'max-worker-lifetime': one({
    roles: instance,
    type: seconds(),
    default: 0,
    doc: 'Replace a worker gracefully once it has lived this long (0 = never)',
    plannedIn: 'later',
  }),
  'reload-on-rss': one({
    roles: ['instance', 'worker'],
    type: megabytes(),
    default: 0,
    doc: 'Replace a worker gracefully when its resident memory exceeds this (0 = never)',
    details: 'A bare number is in MiB, as in uWSGI; `512M` and `1G` work too. Checked after each request.',
    plannedIn: 'later',
  }),
  'reload-on-as': one({
    roles: ['instance', 'worker'],
    type: megabytes(),
    default: 0,
    doc: 'Replace a worker gracefully when its address space exceeds this (0 = never)',
    details:
      'A bare number is in MiB. Node reserves several GiB of address space at start, so this is rarely ' +
      'useful for Node workers; prefer `reload-on-rss`.',
    plannedIn: 'later',
  }),
  'evil-reload-on-rss': one({
    roles: instance,
    type: megabytes(),
    default: 0,
    implies: ['master'],
    doc: 'Kill a worker at once, even mid-request, when its resident memory exceeds this (0 = never)',
    details: 'A bare number is in MiB. Checked by the master every few seconds.',
    plannedIn: 'later',
  }),
  'limit-as': one({
    roles: instance,
    type: megabytes(),
    default: 0,
    doc: 'Limit the address space of the master and workers (RLIMIT_AS; 0 = no limit)',
    details:
      'A bare number is in MiB. Node reserves several GiB of address space at start, so a small limit ' +
      'keeps Node workers from starting at all; prefer `reload-on-rss` for Node apps.',
    plannedIn: 'later',
  }),
  'forkbomb-delay': one({
    roles: instance,
    type: seconds(),
    default: 2000,
    implies: ['master'],
    doc: 'Pause this long before respawning workers that keep dying right after they start',
  }),
  heartbeat: one({
    roles: instance,
    type: seconds(),
    default: 0,
    doc: 'Tell the emperor every so often that this vassal is healthy (0 = off)',
    details: 'See `emperor-required-heartbeat` for what the emperor does when heartbeats stop.',
    plannedIn: 'later',
  }),
  vacuum: one({
    roles: instance,
    type: boolean(),
    default: false,
    doc: 'Remove the unix sockets and pidfiles the instance created when it exits',
    details:
      'tsgi keeps doing it after any number of reloads (uWSGI forgets after the first) and never removes a ' +
      'socket path that a newer process has bound again. In tyrant mode the files are removed with the ' +
      "vassal owner's credentials.",
  }),
  pidfile: optional({
    roles: instance,
    type: path(),
    doc: "Write the master's pid to this file",
    details: 'Written atomically (a temporary file renamed into place). The emperor has `emperor-pidfile`.',
  }),
  pidfile2: optional({
    roles: instance,
    type: path(),
    doc: "Write the master's pid to this file after dropping privileges",
    plannedIn: 'later',
  }),
  'safe-pidfile': optional({
    roles: instance,
    type: path(),
    doc: "Write the master's pid to this file atomically",
    details: 'tsgi writes every pidfile atomically, so this is `pidfile` under another name.',
    plannedIn: 'later',
  }),
  daemonize: optional({
    short: 'd',
    roles: instance,
    type: path(),
    doc: 'Detach from the terminal and log to this file',
    details:
      'Node cannot fork, so tsgi starts itself again detached and the first process exits. Under the ' +
      'emperor it only acts as `logto`, as in uWSGI. Under systemd, leave it out and use a unit.',
    plannedIn: 'later',
  }),
  'attach-daemon': list({
    roles: instance,
    type: command('a shell command'),
    implies: ['master'],
    isCommandLike: true,
    doc: 'Run this command beside the workers, as the dropped user, and respawn it when it dies',
    details:
      'Run through `/bin/sh -c` in its own session; stopped with the instance, within `reload-mercy`. ' +
      'The command must stay in the foreground.',
    plannedIn: 'later',
  }),
  'smart-attach-daemon': list({
    roles: instance,
    type: command('a pidfile and a shell command'),
    implies: ['master'],
    isCommandLike: true,
    doc: 'Run a self-daemonizing command (`PIDFILE COMMAND`), tracked by its pidfile across reloads',
    plannedIn: 'later',
  }),
  cron: list({
    roles: instance,
    type: command('five time fields and a command'),
    implies: ['master'],
    isCommandLike: true,
    doc: 'Run a command on a schedule: `minute hour day month weekday command`, -1 meaning any',
    details: '`-N` means every N units, as in uWSGI. The command runs through the shell as the dropped user.',
    plannedIn: 'later',
  }),
  'exec-asap': list({
    roles: instance,
    type: command('a shell command'),
    isCommandLike: true,
    doc: 'Run this command as soon as the config is read; a non-zero exit stops the start',
    plannedIn: 'later',
  }),
  'exec-as-root': list({
    roles: instance,
    type: command('a shell command'),
    isCommandLike: true,
    doc: 'Run this command before dropping privileges; a non-zero exit stops the start',
    details: "In tyrant mode nothing runs as root: the command runs as the vassal file's owner.",
    plannedIn: 'later',
  }),
  'exec-as-user': list({
    roles: instance,
    type: command('a shell command'),
    isCommandLike: true,
    doc: 'Run this command after dropping privileges; a non-zero exit stops the start',
    plannedIn: 'later',
  }),
  'exec-pre-app': list({
    roles: instance,
    type: command('a shell command'),
    isCommandLike: true,
    doc: 'Run this command before the workers load the app; a non-zero exit stops the start',
    plannedIn: 'later',
  }),
})
