// Sockets and protocols: the listening sockets an instance's master binds (before it drops privileges) and
// hands to its workers, their ownership and mode, and the per-request limits the protocols enforce.
import { socketAddress } from '../socket-address.js'
import {
  boolean,
  duration,
  fileMode,
  integer,
  oneOf,
  ownership,
  size,
  type ValueType,
} from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const instance = ['instance'] as const
const worker = ['worker'] as const

/** uWSGI also takes `chmod-socket = 1` as its bare form, i.e. 666. */
const socketMode: ValueType<number> = {
  ...fileMode(),
  parse: (text) => (text === '1' ? { ok: true, value: 0o666 } : fileMode().parse(text)),
}

/** A umask has no "bare" meaning: an empty value is an error, not 666. */
const umaskMode: ValueType<number> = { ...fileMode(), name: 'umask', emptyValue: undefined }

export const socketOptions = defineOptions('Sockets and protocols', {
  socket: list({
    short: 's',
    roles: instance,
    type: socketAddress(),
    doc: 'Bind a listening socket that speaks the `protocol` option (uwsgi unless changed)',
    details:
      'The master binds every socket before dropping privileges and passes it to every worker, which ' +
      'accepts on it itself. A path containing `:` is a unix path when it starts with `/` or `.` (uWSGI ' +
      'would take it for TCP). Repeat the option for several sockets.',
  }),
  'uwsgi-socket': list({
    roles: instance,
    type: socketAddress(),
    doc: 'Bind a listening socket that speaks the uwsgi protocol (nginx `uwsgi_pass`)',
    details: 'Unlike `socket`, the `protocol` option does not change this one.',
  }),
  'http-socket': list({
    roles: instance,
    type: socketAddress(),
    doc: 'Bind a listening socket on which the workers speak HTTP/1.1 with keep-alive',
    details: 'No router process sits in between: each worker parses HTTP itself.',
  }),
  'fastcgi-socket': list({
    roles: instance,
    type: socketAddress(),
    doc: 'Bind a listening socket on which the workers speak FastCGI',
    plannedIn: 'later',
  }),
  http: list({
    roles: instance,
    type: socketAddress(),
    doc: 'Serve HTTP on this address: in tsgi the same as `http-socket`',
    details:
      'uWSGI starts a separate HTTP router process that proxies to the workers. tsgi has no router: the ' +
      'workers accept HTTP on the address themselves, as with `http-socket`, one hop less on every request.',
    plannedIn: 'later',
  }),
  'shared-socket': list({
    roles: instance,
    type: socketAddress(),
    doc: 'Bind a socket early, as root, to be used as `=N` in the other socket options',
    details:
      'The N-th `shared-socket` (from 0) is referred to as `=0`, `=1` … in `socket`, `http-socket` and ' +
      'the others. tsgi binds every socket before dropping privileges anyway, so this matters only for ' +
      'configs written for uWSGI.',
  }),
  protocol: one({
    aliases: ['socket-protocol'],
    roles: instance,
    type: oneOf(['uwsgi', 'http', 'fastcgi']),
    default: 'uwsgi',
    doc: 'The protocol of `socket` sockets and of sockets inherited without a protocol of their own',
    details:
      'One of `uwsgi`, `http` or `fastcgi`. uWSGI knows more (`scgi`, `puwsgi`, `raw` …); tsgi does not ' +
      'implement them and rejects them.',
  }),
  'chmod-socket': optional({
    aliases: ['chmod'],
    short: 'C',
    roles: instance,
    type: socketMode,
    doc: 'Set the mode of unix sockets right after binding them; alone it means 666',
    details:
      'Octal, 3 or 4 digits: `660`, `0660` (uWSGI accepts exactly 3 digits and rejects `0660`). A bare ' +
      "`chmod-socket`, or uWSGI's `chmod-socket = 1`, means 666. Without it the mode follows the umask. " +
      'Applied to every unix socket the instance binds, on every start and reload.',
  }),
  'chown-socket': optional({
    roles: instance,
    type: ownership(),
    doc: 'Give unix sockets this owner (`user` or `user:group`, names or numbers) right after binding',
    details:
      'Done before the privilege drop. In tyrant mode the vassal is unprivileged from the start, so uWSGI ' +
      'fails with EPERM and the vassal never starts; tsgi performs this one chown with privilege, by ' +
      'lchown on the socket the vassal itself just bound, never following a symlink (DESIGN.md, ' +
      '"Privileges"). Under an unprivileged emperor it needs `cap = setgid,setuid,chown`.',
  }),
  umask: optional({
    roles: ['emperor', 'instance'],
    type: umaskMode,
    doc: 'Set the process umask (octal, such as 022) before any file or socket is created',
    details:
      'Without it the umask is inherited. It applies to unix sockets that `chmod-socket` does not set.',
  }),
  listen: one({
    short: 'l',
    roles: instance,
    type: integer({ min: 1, max: 65535 }),
    default: 1024,
    doc: 'Set the listen() backlog of every socket',
    details:
      "tsgi's default is 1024, not uWSGI's 100, which overflows while workers are replaced on a reload. A " +
      "value above the kernel's `net.core.somaxconn` is capped to it with a warning (uWSGI refuses to " +
      'start).',
  }),
  'abstract-socket': one({
    short: 'a',
    roles: instance,
    type: boolean(),
    default: false,
    doc: 'Bind every unix socket in the Linux abstract namespace, as if written `@name`',
    plannedIn: 'later',
  }),
  'socket-timeout': one({
    short: 'z',
    roles: worker,
    type: duration({ plainUnit: 's' }),
    default: 4000,
    doc: 'Close a connection that stalls this long while a request head is read or a response is written',
    details:
      'A number of seconds, or a duration such as `500ms` or `1m`. uWSGI also uses it as the ' +
      'TCP_DEFER_ACCEPT delay; Node cannot set that option, so tsgi does not.',
  }),
  'buffer-size': one({
    short: 'b',
    roles: worker,
    type: size({ min: 1, max: 65535 }),
    default: 65535,
    doc: 'The largest request head accepted: uwsgi vars block or HTTP request line and headers',
    details:
      "tsgi's default is 65535, the uwsgi protocol's 16-bit maximum; uWSGI's 4096 turns requests with big " +
      'cookies into 502 errors at nginx. A larger request is refused with a log line and nothing else is ' +
      'affected. uWSGI silently clamps values above 65535; tsgi rejects them.',
  }),
  'post-buffering': one({
    roles: worker,
    type: size(),
    default: 0,
    doc: 'Read a request body before the app runs: into memory up to this size, into a temp file beyond',
    details: 'In bytes (or with K, M, G). 0, the default, streams the body to the app as it arrives.',
  }),
  'so-keepalive': one({
    roles: worker,
    type: boolean(),
    default: false,
    doc: 'Enable TCP keep-alive probes on accepted connections',
    plannedIn: 'later',
  }),
  'tcp-nodelay': one({
    roles: worker,
    type: boolean(),
    default: false,
    doc: "Disable Nagle's algorithm on accepted TCP connections",
    plannedIn: 'later',
  }),
  'honour-stdin': one({
    roles: worker,
    type: boolean(),
    default: false,
    doc: 'Let workers keep the inherited stdin instead of reading /dev/null',
    plannedIn: 'later',
  }),
  stats: optional({
    aliases: ['stats-server'],
    roles: instance,
    type: socketAddress(),
    implies: ['master'],
    doc: "Serve the instance's JSON stats document on this address (unix path, or TCP with a `:`)",
    details: "Each connection receives one JSON document (uWSGI's keys, so uwsgitop works) and is closed.",
    plannedIn: 'later',
  }),
  'stats-http': one({
    roles: ['emperor', 'instance'],
    type: boolean(),
    default: false,
    doc: 'Answer stats connections with an HTTP/1.0 response around the JSON document',
    details:
      'Applies to `emperor-stats` in the emperor, and will apply to `stats` in an instance (not yet implemented there).',
  }),
  'stats-minified': one({
    roles: ['emperor', 'instance'],
    type: boolean(),
    default: false,
    doc: 'Send the stats JSON document without indentation',
    details:
      'Applies to `emperor-stats` in the emperor, and will apply to `stats` in an instance (not yet implemented there).',
  }),
})
