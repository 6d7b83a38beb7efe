// Logging: where the emperor's, a master's and the workers' lines go, their format, and which requests get a
// request log line.
import { boolean, duration, fileMode, optionalString, size, string, type ValueType } from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const emperorAndInstance = ['emperor', 'instance'] as const
const requestLog = ['instance', 'worker'] as const

/** uWSGI's default `log-date` format, as strftime: `Sat Nov 21 22:20:56 2026`, what ctime() prints. */
export const defaultLogDateFormat = '%a %b %e %H:%M:%S %Y'

/** A log file mode has no "bare" meaning: an empty value is an error. */
const logFileMode: ValueType<number> = { ...fileMode(), emptyValue: undefined }

export const loggingOptions = defineOptions('Logging', {
  logto: optional({
    roles: emperorAndInstance,
    type: string({ expected: 'a log file path, or host:port for UDP' }),
    doc: 'Write log lines to this file (or to this UDP address, when it has a `:`) instead of stderr',
    details:
      'The file is opened for appending, mode 0640, before privileges are dropped, except in tyrant mode ' +
      "where it is opened with the vassal owner's credentials. Without it, lines go to stderr: under " +
      'systemd that is the journal, and tsgi then writes syslog priorities instead of timestamps. Every ' +
      "line a vassal writes starts with the vassal's name.",
  }),
  logto2: optional({
    roles: emperorAndInstance,
    type: string({ expected: 'a log file path, or host:port for UDP' }),
    doc: 'As `logto`, but the file is opened after dropping privileges',
    plannedIn: 'later',
  }),
  'logfile-chown': one({
    roles: emperorAndInstance,
    type: boolean(),
    default: false,
    doc: 'Give the log file to `uid`/`gid` so the dropped process can reopen it',
    plannedIn: 'later',
  }),
  'logfile-chmod': optional({
    roles: emperorAndInstance,
    type: logFileMode,
    doc: 'Set the mode of the log file (octal, such as 640)',
    plannedIn: 'later',
  }),
  'log-reopen': one({
    roles: emperorAndInstance,
    type: boolean(),
    default: false,
    doc: 'Reopen the log file on every reload (after logrotate has moved it)',
    plannedIn: 'later',
  }),
  'log-date': optional({
    aliases: ['logdate'],
    roles: emperorAndInstance,
    type: optionalString(defaultLogDateFormat),
    doc: 'Start every log line with the date: in this strftime format, or alone `Sat Nov 21 22:20:56 2026`',
    details:
      'In ini files a `%` must be written `%%`, because `%x` is a magic variable there: ' +
      '`log-date = %%Y-%%m-%%d %%H:%%M:%%S`. Under journald, which stamps lines itself, it is not applied.',
  }),
  'log-format': optional({
    aliases: ['logformat'],
    roles: requestLog,
    type: string({ expected: 'a request log format' }),
    isCommandLike: true,
    doc: 'Format of request log lines, with `%(uri)`, `%(method)`, `%(status)`, `%(msecs)` … as in uWSGI',
    details:
      "uWSGI's LogFormat variables. They survive config expansion only because no option or placeholder " +
      "has their names, as in uWSGI. Without it, request lines follow uWSGI's default layout.",
    plannedIn: 'later',
  }),
  'disable-logging': one({
    short: 'L',
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: 'Write no request log lines (errors and events are still logged)',
  }),
  'log-4xx': one({
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: 'With `disable-logging`, still log requests answered with a 4xx status',
    plannedIn: 'later',
  }),
  'log-5xx': one({
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: 'With `disable-logging`, still log requests answered with a 5xx status',
    plannedIn: 'later',
  }),
  'log-slow': one({
    roles: requestLog,
    type: duration({ plainUnit: 'ms' }),
    default: 0,
    doc: 'With `disable-logging`, still log requests slower than this (0 = off)',
    details: 'A bare number is in milliseconds, as in uWSGI.',
    plannedIn: 'later',
  }),
  'log-big': one({
    roles: requestLog,
    type: size(),
    default: 0,
    doc: 'With `disable-logging`, still log responses bigger than this (0 = off)',
    plannedIn: 'later',
  }),
  'log-zero': one({
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: 'With `disable-logging`, still log responses without a body',
    plannedIn: 'later',
  }),
  'log-micros': one({
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: 'Report response times in microseconds instead of milliseconds',
    plannedIn: 'later',
  }),
  'log-x-forwarded-for': one({
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: 'Log the client address from X-Forwarded-For instead of REMOTE_ADDR',
    plannedIn: 'later',
  }),
  'memory-report': one({
    short: 'm',
    roles: requestLog,
    type: boolean(),
    default: false,
    doc: "Add the worker's memory use to request log lines and fill it in the stats",
    plannedIn: 'later',
  }),
  logger: list({
    roles: emperorAndInstance,
    type: string({ expected: 'a logger: [name ]plugin[:arguments]' }),
    implies: ['master', 'log-master'],
    isCommandLike: true,
    doc: 'Send log lines to a logger: `file:PATH`, `syslog`, `systemd`, `pipe:COMMAND` …',
    details: 'Repeatable. `pipe:` runs a command, so its value is treated as one.',
    plannedIn: 'later',
  }),
  'req-logger': list({
    roles: ['instance'],
    type: string({ expected: 'a logger: [name ]plugin[:arguments]' }),
    implies: ['master', 'log-master'],
    isCommandLike: true,
    doc: 'Send request log lines to a logger of their own (same forms as `logger`)',
    plannedIn: 'later',
  }),
  'log-master': one({
    roles: ['instance'],
    type: boolean(),
    default: false,
    implies: ['master'],
    doc: "Let the master write the workers' log lines, which it receives through a pipe",
    details: 'Needed by `log-maxsize` and the loggers; by default workers write their lines directly.',
    plannedIn: 'later',
  }),
  'log-maxsize': one({
    roles: ['instance'],
    type: size(),
    default: 0,
    implies: ['master', 'log-master'],
    doc: 'Rotate the log file when it grows beyond this size (0 = never)',
    details: 'The file is renamed to `FILE.<epoch seconds>` and a new one opened, as in uWSGI.',
    plannedIn: 'later',
  }),
})
