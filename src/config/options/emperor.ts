// The Emperor: which vassal files it governs, how it reacts to changes and crashes, tyrant mode, what it adds
// to every vassal's config, and its pidfile, stats server and control socket. Only the emperor reads these.
import { socketAddress, unixSocketPath } from '../socket-address.js'
import { boolean, duration, namedValue, path, string } from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const emperor = ['emperor'] as const

export const emperorOptions = defineOptions('Emperor', {
  emperor: list({
    roles: emperor,
    type: string({ expected: 'a directory or a glob pattern' }),
    doc: 'Govern the vassal files in this directory, or matching this glob; makes this process an emperor',
    details:
      'Repeatable: several monitors at once. Vassal files are `*.ini`, `*.json`, `*.yaml` and `*.yml`. ' +
      'Changes are seen through inotify within a second; `emperor-freq` is the period of a full rescan ' +
      'that catches anything inotify missed. Symlinks into the directory work, as does a ConfigMap-style ' +
      '`..data` swap. A half-written file is never started.',
  }),
  'emperor-freq': one({
    roles: emperor,
    type: duration({ plainUnit: 's', min: 100 }),
    default: 3000,
    doc: 'Period of the full rescan of the vassal directories, a safety net behind inotify',
    details:
      'A number of seconds or a duration; 3 s as in uWSGI. In uWSGI this poll is the only way changes are ' +
      'seen; in tsgi it only catches what inotify could not report.',
  }),
  'emperor-reload-on-change': one({
    roles: emperor,
    type: boolean(),
    default: true,
    doc: 'Reload a vassal when its file (or a file it includes) changes',
    details:
      "tsgi's own option (uWSGI's issue #1816). Set it to false to edit vassal files (and the files they " +
      'include) in place and apply them deliberately with `tsgi reload NAME` (through `emperor-control`), ' +
      'which checks the file first as a change would. New and removed files are still acted on.',
  }),
  'emperor-throttle': one({
    roles: emperor,
    type: duration({ plainUnit: 'ms' }),
    default: 1000,
    doc: 'Step by which the delay before respawning a crash-looping vassal grows',
    details:
      'A bare number is in milliseconds, as in uWSGI (1000). Each death of a vassal within 30 s of its ' +
      'start adds this step to the delay before its next start, up to `emperor-max-throttle`; a vassal ' +
      'that lived longer starts again at once.',
  }),
  'emperor-max-throttle': one({
    roles: emperor,
    type: duration({ plainUnit: 'ms' }),
    default: 180_000,
    doc: 'Longest delay before respawning a crash-looping vassal',
    details: 'A bare number is in milliseconds, as in uWSGI (180000, 3 minutes).',
  }),
  'emperor-curse-tolerance': one({
    roles: emperor,
    type: duration({ plainUnit: 's' }),
    default: 75_000,
    doc: 'How long a vassal being stopped may take before the emperor kills it',
    details:
      "tsgi's default is 75 s; uWSGI's is 30 s, shorter than a vassal's own 60 s `worker-reload-mercy`, " +
      "so a graceful stop could be cut short. Timeouts are ordered: a vassal's `worker-reload-mercy` " +
      "(60 s) < this (75 s, leaving the master time to clean up) < the shipped systemd unit's " +
      'TimeoutStopSec. Keep it above the `worker-reload-mercy` of every vassal.',
  }),
  'emperor-required-heartbeat': one({
    roles: emperor,
    type: duration({ plainUnit: 's' }),
    default: 30_000,
    doc: 'Kill and respawn a vassal that sent heartbeats and then none for this long',
    details:
      'Only vassals with `heartbeat` set are watched, from their first heartbeat on; 30 s as in uWSGI.',
    plannedIn: 'later',
  }),
  'emperor-tyrant': one({
    roles: emperor,
    type: boolean(),
    default: false,
    doc: "Tyrant mode: run each vassal as its file's owner and group; refuse files owned by root",
    details:
      '`uid` and `gid` inside a vassal file cannot change its identity. Everything the file causes ' +
      '(reading its includes, `@()` and `$()`, opening logs and pidfiles, binding sockets, vacuum) is done ' +
      "with the owner's credentials; only the chown of a socket the vassal just bound is done with " +
      'privilege. A file owned by uid 0 or gid 0 is refused (state `refused`) with a clear log line.',
  }),
  'emperor-tyrant-nofollow': one({
    roles: emperor,
    type: boolean(),
    default: false,
    doc: 'In tyrant mode, take the owner of a symlinked vassal file from the link, not from its target',
  }),
  'emperor-tyrant-initgroups': one({
    roles: emperor,
    type: boolean(),
    default: false,
    doc: "In tyrant mode, also give each vassal the supplementary groups of its file's owner",
    details:
      'Not in uWSGI 2.0, whose tyrant vassals get no supplementary groups; its 2.1 development branch has ' +
      "this option, so for 2.0 users it is tsgi's own.",
  }),
  'emperor-nofollow': one({
    roles: emperor,
    type: boolean(),
    default: false,
    doc: 'Do not follow symlinks to vassal files: their own modification time (and owner) counts',
    details:
      "Touching a symlinked vassal's target then reloads nothing; replacing the link does. As in uWSGI it " +
      'also makes tyrant mode take the owner from the link.',
  }),
  'vassal-set': list({
    aliases: ['vassals-set'],
    roles: emperor,
    type: namedValue('option', 'value'),
    doc: 'Set an option in every vassal, before its own file (which may override it)',
  }),
  'vassals-include': list({
    roles: emperor,
    type: path(),
    doc: "Include this config file in every vassal after its own file, so it overrides the vassal's options",
    details: 'Expanded in place: magic variables, `$()`, `@()` and placeholders work inside it.',
  }),
  'vassals-include-before': list({
    roles: emperor,
    type: path(),
    doc: 'Include this config file in every vassal before its own file, so the vassal may override it',
  }),
  'vassals-inherit': list({
    roles: emperor,
    type: path(),
    doc: 'Apply this config file to every vassal last, as `inherit` does (no `$()`, `@()` or `%()` inside)',
  }),
  'vassals-inherit-before': list({
    roles: emperor,
    type: path(),
    doc: 'As `vassals-inherit`, but applied before the vassal file, so the vassal may override it',
  }),
  'emperor-pidfile': optional({
    roles: emperor,
    type: path(),
    doc: "Write the emperor's pid to this file",
  }),
  'emperor-stats': optional({
    aliases: ['emperor-stats-server'],
    roles: emperor,
    type: socketAddress(),
    doc: "Serve the emperor's JSON stats document on this address (unix path, or TCP with a `:`)",
    details:
      "The document has uWSGI's keys (so uwsgitop and other tools keep working) plus tsgi's vassal " +
      'states, last exits, config errors and throttle delays; one JSON document per connection, then ' +
      'close. No default: nothing is served unless set (as uWSGI). `tsgi status` with no address reads ' +
      '`/run/tsgi/emperor-stats.sock`, so `emperor-stats = /run/tsgi/emperor-stats.sock` is the usual ' +
      "value. A unix socket is made 0660 (the emperor's user and group); it is bound after the emperor " +
      'drops privileges (`uid`/`gid`), and removed when the emperor stops. `stats-http` and ' +
      '`stats-minified` apply.',
  }),
  'emperor-control': optional({
    roles: emperor,
    type: unixSocketPath(),
    doc: "Accept `tsgi reload|stop|start NAME` on this unix socket (0600, for the emperor's user and root)",
    details:
      "tsgi's own option: uWSGI 2.0 has no such socket (its 2.1 development branch has an " +
      '`emperor-command-socket` with another protocol, hence another name). Off unless set; ' +
      '`emperor-control = /run/tsgi/emperor-control.sock` is the usual value, and where the commands look ' +
      'when given no path. Only a unix path: it is made 0600 before anyone can connect, so only the ' +
      "emperor's user (and root) can act on vassals through it; an @abstract or TCP address would let every " +
      'local user in. Like `emperor-stats` it is bound after the emperor drops privileges (`uid`/`gid`) and ' +
      'removed when the emperor stops. See docs/emperor.md, "Acting on one vassal".',
  }),
  'emperor-procname': optional({
    roles: emperor,
    type: string(),
    doc: "Set the emperor's process title",
    plannedIn: 'later',
  }),
  'emperor-extra-extension': list({
    aliases: ['emperor-extra-ext'],
    roles: emperor,
    type: string({ expected: 'a file name extension' }),
    doc: 'Also treat files with this extension as vassals, loaded with `config`',
    plannedIn: 'later',
  }),
  'emperor-on-demand-extension': optional({
    aliases: ['emperor-on-demand-ext'],
    roles: emperor,
    type: string({ expected: 'a file name extension' }),
    doc: 'On-demand vassals: read the socket address from the file named like the vassal file plus this',
    details:
      'The emperor binds the socket and starts the vassal only at its first connection, handing the ' +
      'socket over.',
    plannedIn: 'later',
  }),
  'emperor-on-demand-directory': optional({
    aliases: ['emperor-on-demand-dir'],
    roles: emperor,
    type: path(),
    doc: 'On-demand vassals: bind the unix socket `DIR/NAME.socket`, start the vassal on a first connection',
    plannedIn: 'later',
  }),
  'emperor-on-demand-exec': optional({
    roles: emperor,
    type: string({ expected: 'a command' }),
    isCommandLike: true,
    doc: 'On-demand vassals: run this command with the vassal file as argument; its first line is the socket',
    plannedIn: 'later',
  }),
  'vassals-start-hook': optional({
    roles: emperor,
    type: string({ expected: 'a command' }),
    isCommandLike: true,
    doc: 'Run this command, with the vassal name as argument, before each vassal starts',
    plannedIn: 'later',
  }),
  'vassals-stop-hook': optional({
    roles: emperor,
    type: string({ expected: 'a command' }),
    isCommandLike: true,
    doc: 'Run this command, with the vassal name as argument, after each vassal has died',
    details: "Unlike uWSGI's, setting it does not keep the emperor from stopping its vassals gracefully.",
    plannedIn: 'later',
  }),
})
