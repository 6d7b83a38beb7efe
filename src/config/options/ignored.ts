// uWSGI options tsgi deliberately does not implement. Each is accepted with one warning that gives the reason
// below, so a uWSGI config keeps loading. Options that a later issue will implement are rows of their own
// group with `plannedIn`, not here. An option whose effect tsgi always provides (lazy-apps) is here too.
import { optionalString, type ValueType } from '../value-types.js'
import { defineOptions, optional, type Role } from './define-options.js'

const allRoles = ['emperor', 'instance', 'worker'] as const
const emperor = ['emperor'] as const
const instance = ['instance'] as const
const worker = ['worker'] as const

/** Any value at all, empty included: an ignored option's value is never used. */
const anyValue: ValueType<string> = { ...optionalString(''), name: 'any', expected: 'any value (unused)' }

const ignore = (roles: readonly Role[], doc: string, ignored: string) =>
  optional({ roles, type: anyValue, doc, ignored })

const noZergs =
  'tsgi has no zerg mode: the workers of an instance are its own children and nothing else attaches to ' +
  'its sockets; scale a vassal with `processes`.'
const noWrapper =
  "a vassal always runs the emperor's own tsgi, so both ends speak the same control channel; choose a " +
  "vassal's interpreter with `home`, `python-bin` or `node-bin` instead."
const noEarlyDrop =
  "the app never loads in tsgi's master: privileges are always dropped after the sockets are bound and " +
  'before any app code runs.'
const noImmediateDrop =
  'tsgi reads and validates the whole config before acting on any of it; `uid` and `gid` take effect ' +
  'before any app code runs.'
const noAsyncEngines =
  "tsgi's Python worker serves concurrent requests with a thread pool (`threads`); uWSGI's async loop " +
  'engines and coroutines are not copied.'

export const ignoredOptions = defineOptions('uWSGI options tsgi ignores', {
  autoload: ignore(
    allRoles,
    'Load the plugin that defines an unknown option',
    'tsgi has no plugins to load: its runtimes and options are built in, and an unknown option is an error ' +
      'with a did-you-mean hint.',
  ),
  'plugins-dir': {
    ...ignore(
      allRoles,
      'Add a directory to the plugin search path',
      'tsgi has no plugin files; its runtimes are built in.',
    ),
    aliases: ['plugin-dir'],
  },
  'enable-threads': {
    ...ignore(
      worker,
      'Let the app start threads of its own',
      'threads are always available to apps in tsgi (uWSGI 2.0.27 and later force this option on too).',
    ),
    short: 'T',
  },
  'lazy-apps': ignore(
    instance,
    'Load the app in each worker instead of once in the master',
    'tsgi always loads the app in each worker, since its master never runs app code: this is what ' +
      'lazy-apps asks for, whatever its value. There is no preloading in the master to turn off.',
  ),
  lazy: ignore(
    instance,
    'Load apps in the workers and make reloads restart only the workers',
    'deprecated in uWSGI. Its reloads that keep the old config are not copied: a tsgi reload re-reads the ' +
      'config, and apps always load in the workers.',
  ),
  'single-interpreter': {
    ...ignore(
      worker,
      'Run every app of a worker in one Python interpreter',
      "tsgi's Python worker always runs one interpreter per process, which is what this option asks for; " +
        "uWSGI's sub-interpreter per app is not copied.",
    ),
    short: 'i',
  },
  'die-on-term': ignore(
    instance,
    'Make SIGTERM stop the instance instead of reloading it',
    'SIGTERM always means a graceful stop in tsgi, as systemd expects; that is what this option asked ' +
      'uWSGI 2.0 for. SIGHUP reloads.',
  ),
  'thunder-lock': ignore(
    instance,
    'Serialise accept() across workers',
    "workers accept through libuv's epoll loop, which offers no hook to serialise accept() across " +
      'processes. A worker woken for a connection another one took gets EAGAIN and waits again, a small ' +
      'cost at the worker counts tsgi runs.',
  ),
  'offload-threads': ignore(
    worker,
    'Per-worker threads that send static files and large bodies',
    'tsgi has no offload engine: a Node worker streams files and bodies without blocking its event loop, ' +
      'and the Python worker sends files with sendfile() from the request thread.',
  ),
  'cheaper-algo': ignore(
    instance,
    'Choose the algorithm that adapts the number of workers',
    "uWSGI's pluggable algorithms (spare, backlog, busyness …) are not copied; `cheaper` has one " +
      'built-in policy.',
  ),
  'max-vars': {
    ...ignore(
      worker,
      'Size of the table of request variables',
      "tsgi's uwsgi parser has no fixed table of variables; `buffer-size` alone bounds a request head.",
    ),
    short: 'v',
  },
  async: ignore(worker, 'Serve requests with async cores', noAsyncEngines),
  ugreen: ignore(worker, 'Serve requests with uGreen coroutines', noAsyncEngines),
  gevent: ignore(worker, 'Serve requests with the gevent loop engine', noAsyncEngines),
  freebind: ignore(
    instance,
    'Bind sockets to addresses the machine does not have yet (IP_FREEBIND)',
    'Node cannot set IP_FREEBIND on a listening socket; bind an address that exists, or `:port` for ' +
      'every interface.',
  ),
  'no-defer-accept': ignore(
    instance,
    'Do not set TCP_DEFER_ACCEPT on TCP sockets',
    'tsgi never sets TCP_DEFER_ACCEPT (Node cannot), so its sockets already behave as this option asks.',
  ),
  'reuse-port': ignore(
    instance,
    'Set SO_REUSEPORT on listening sockets',
    'Node 20 cannot set SO_REUSEPORT. The workers share one listening socket and a reload keeps it open ' +
      'in the master, so the address never needs a second bind.',
  ),
  'skip-zero': ignore(
    instance,
    'Do not look for an inherited socket on file descriptor 0',
    'tsgi never takes a socket from file descriptor 0 by itself: inherited sockets come through ' +
      'LISTEN_FDS or from the emperor, so there is no probe to skip.',
  ),
  'master-as-root': ignore(
    instance,
    'Keep the master running as root',
    "tsgi's master binds and chowns its sockets as root, drops privileges, and hands the sockets to its " +
      'successor on a reload, so it never needs root afterwards; staying root would only widen what a ' +
      'compromised master could do.',
  ),
  'drop-after-init': ignore(instance, 'Drop privileges after the plugins are initialised', noEarlyDrop),
  'drop-after-apps': ignore(instance, 'Drop privileges after the apps are loaded', noEarlyDrop),
  'immediate-uid': ignore(allRoles, 'Switch user while the config is still being read', noImmediateDrop),
  'immediate-gid': ignore(allRoles, 'Switch group while the config is still being read', noImmediateDrop),
  jail: ignore(instance, 'Put the instance in a FreeBSD jail', 'tsgi runs on Linux only.'),
  ksm: ignore(
    instance,
    'Mark process memory for Linux kernel samepage merging',
    'uWSGI marks its own memory mergeable with madvise(); Node and the Python worker own their heaps, and ' +
      'tsgi cannot do that for them from outside.',
  ),
  'pcre-jit': ignore(
    instance,
    'JIT-compile the regular expressions of internal routing',
    'tsgi has no PCRE-based internal routing, so there is nothing to compile.',
  ),
  'emperor-graceful-shutdown': ignore(
    emperor,
    'Stop vassals gracefully when the emperor stops',
    'the emperor always stops its vassals gracefully: their workers finish their requests within ' +
      '`worker-reload-mercy`.',
  ),
  'emperor-no-blacklist': ignore(
    emperor,
    'Never throttle vassals that keep dying',
    'a crash-looping vassal must never spin, so tsgi always throttles it; lower `emperor-throttle` for ' +
      'quicker retries.',
  ),
  'emperor-cap': {
    ...ignore(
      emperor,
      'Capabilities every vassal keeps',
      'vassals and workers always end with empty capability sets in tsgi. Sockets are bound before the ' +
        'privilege drop, so an app never needs a capability; for a port below 1024 let a root emperor ' +
        'start the vassal with `uid`, or use systemd socket activation.',
    ),
    aliases: ['vassals-cap', 'vassal-cap'],
  },
  'emperor-use-clone': ignore(
    emperor,
    'Start vassals in new Linux namespaces with clone()',
    "Node cannot clone() a process into new namespaces. Use systemd's sandboxing options on the " +
      "emperor's unit, or a vassal's own `unshare`.",
  ),
  'emperor-magic-exec': ignore(
    emperor,
    'Run executable vassal files and read their output as the config',
    'tsgi never executes a vassal file: configs are data, and in tyrant mode a vassal file is hostile input.',
  ),
  'emperor-proxy-socket': ignore(
    instance,
    'Reach the emperor through a proxy socket',
    'tsgi has no emperor proxy: a vassal talks to its emperor over the control channel it inherits at spawn.',
  ),
  'emperor-wrapper': ignore(emperor, 'Program that runs each vassal', noWrapper),
  'emperor-wrapper-override': ignore(emperor, 'Program to try first to run each vassal', noWrapper),
  'emperor-wrapper-fallback': ignore(emperor, 'Program to try last to run each vassal', noWrapper),
  'early-emperor': ignore(
    instance,
    "Start an instance's emperor before its apps",
    'tsgi never runs an emperor inside an instance: a config with `emperor` makes the whole process an ' +
      'emperor, so there is nothing to start early.',
  ),
  'imperial-monitor-list': {
    ...ignore(
      emperor,
      'List the available emperor monitors',
      'tsgi has no monitor plugins: `emperor` takes a directory or a glob, as its documentation says.',
    ),
    aliases: ['imperial-monitors-list'],
  },
  'emperor-broodlord': ignore(emperor, 'Spawn zerg vassals for overloaded vassals', noZergs),
  'vassal-sos': ignore(instance, 'Ask the emperor for reinforcements when overloaded', noZergs),
  'vassal-sos-backlog': ignore(instance, 'Ask the emperor for reinforcements above this backlog', noZergs),
  zerg: ignore(instance, 'Attach to a zerg server and serve its sockets', noZergs),
  'zerg-server': ignore(instance, "Lend this instance's sockets to zerg instances", noZergs),
})
