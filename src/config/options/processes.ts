// Processes and workers: the master, how many worker processes (and threads in each) serve the app, adaptive
// worker counts, and process titles.
import { boolean, duration, integer, path, string } from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const instance = ['instance'] as const

export const processOptions = defineOptions('Processes and workers', {
  master: one({
    short: 'M',
    roles: instance,
    type: boolean(),
    default: false,
    doc: 'Run a master process that supervises the workers, reloads them and cleans up',
    details:
      'An instance runs a master unless `master = false` is set (vassals always run one, as uWSGI forces ' +
      'it too). Outside the emperor, `master = false` with one process runs the app in the tsgi process ' +
      'itself, and a reload there is a restart onto the same sockets. `master = false` with several ' +
      'processes is a config error.',
  }),
  processes: one({
    aliases: ['workers'],
    short: 'p',
    roles: instance,
    type: integer({ min: 1 }),
    default: 1,
    doc: 'Number of worker processes to spawn',
    details: 'Every worker accepts on every listening socket of the instance.',
  }),
  threads: one({
    roles: ['instance', 'worker'],
    type: integer({ min: 1 }),
    default: 1,
    doc: 'Number of request threads in each worker',
    details:
      'In the Python runtime, the size of the thread pool that serves requests in each worker. ' +
      "A Node.js worker has no use for it and ignores it: the app's JavaScript runs on one thread whose event " +
      'loop serves many requests at once, so a Node worker never waits for one request to start the next. ' +
      'For more CPU, raise `processes`; for CPU-heavy work inside a request, the app uses worker_threads.',
  }),
  'need-app': one({
    roles: ['instance', 'worker'],
    type: boolean(),
    default: false,
    doc: 'Exit with code 4 when the app cannot be loaded, instead of staying up without it',
    details:
      'Off by default, as in uWSGI 2.0 (its 2.1 development branch turns it on). Under the emperor, exit ' +
      'code 4 means the vassal is respawned with a growing throttle.',
  }),
  cheaper: one({
    roles: instance,
    type: integer({ min: 0 }),
    default: 0,
    implies: ['master'],
    doc: 'Keep at least this many workers and spawn up to `processes` only under load (0 = off)',
    plannedIn: 'later',
  }),
  'cheaper-initial': optional({
    roles: instance,
    type: integer({ min: 1 }),
    implies: ['master'],
    doc: 'Number of workers to start with when `cheaper` is on (default: the `cheaper` value)',
    plannedIn: 'later',
  }),
  'cheaper-step': one({
    roles: instance,
    type: integer({ min: 1 }),
    default: 1,
    implies: ['master'],
    doc: 'Number of workers to add at a time when `cheaper` sees load',
    plannedIn: 'later',
  }),
  idle: one({
    roles: instance,
    type: duration({ plainUnit: 's' }),
    default: 0,
    implies: ['master'],
    doc: 'After this long without a request, stop the workers until the next one arrives (0 = off)',
    details: 'A number of seconds or a duration (`10m`).',
    plannedIn: 'later',
  }),
  'die-on-idle': one({
    roles: instance,
    type: boolean(),
    default: false,
    doc: 'With `idle`, exit instead of stopping the workers (a vassal returns to on-demand mode)',
    plannedIn: 'later',
  }),
  'auto-procname': one({
    roles: ['instance', 'worker'],
    type: boolean(),
    default: false,
    doc: 'Give the master and workers meaningful process titles (`tsgi master`, `tsgi worker 1` …)',
    plannedIn: 'later',
  }),
  procname: optional({
    roles: ['instance', 'worker'],
    type: string(),
    implies: ['auto-procname'],
    doc: 'Set the title of every process of the instance',
    plannedIn: 'later',
  }),
  'procname-prefix': optional({
    roles: ['instance', 'worker'],
    type: string(),
    implies: ['auto-procname'],
    doc: 'Prefix the process titles with this text',
    plannedIn: 'later',
  }),
  'procname-prefix-spaced': optional({
    roles: ['instance', 'worker'],
    type: string(),
    implies: ['auto-procname'],
    doc: 'Prefix the process titles with this text and a space',
    plannedIn: 'later',
  }),
  'procname-append': optional({
    roles: ['instance', 'worker'],
    type: string(),
    implies: ['auto-procname'],
    doc: 'Append this text to the process titles',
    plannedIn: 'later',
  }),
  'procname-master': optional({
    roles: instance,
    type: string(),
    implies: ['auto-procname'],
    doc: "Set the master's process title",
    plannedIn: 'later',
  }),
  'master-fifo': list({
    roles: instance,
    type: path(),
    implies: ['master'],
    doc: "Create a FIFO through which one-letter commands control the master (uWSGI's command set)",
    details: 'Repeatable; the first FIFO is the active one, as in uWSGI.',
    plannedIn: 'later',
  }),
})
