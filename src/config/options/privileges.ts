// Privileges, isolation and environment: the user and groups a process switches to, the capabilities an
// unprivileged emperor keeps, Linux isolation, the environment and the working directory.
import { boolean, commaList, envAssignment, oneOf, path, principal, string } from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const emperorAndInstance = ['emperor', 'instance'] as const

/** Linux capability names as uWSGI (and libcap, without the `cap_` prefix) spell them. */
export const capabilityNames = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
] as const

/** Linux namespaces `unshare` can create, with uWSGI's spellings (fs, mount, mnt and ns all mean mount). */
const namespaceNames = ['fs', 'mount', 'mnt', 'ns', 'ipc', 'net', 'pid', 'uts', 'user'] as const

export const privilegeOptions = defineOptions('Privileges, isolation and environment', {
  uid: optional({
    roles: emperorAndInstance,
    type: principal('user'),
    doc: 'Switch to this user (name or number) after binding sockets and before any app code runs',
    details:
      'The master binds and chowns its sockets first, then drops to this user, with the groups of ' +
      '`gid` and `initgroups`. In an emperor it is the user the emperor runs as. In tyrant mode the ' +
      "vassal file's owner decides and a different `uid` in the file has no effect. App code never runs as " +
      'root unless `allow-root` says so.',
  }),
  gid: optional({
    roles: emperorAndInstance,
    type: principal('group'),
    doc: 'Switch to this group (name or number) when dropping privileges',
    details:
      "Without `gid`, tsgi uses the primary group of `uid`'s user (uWSGI keeps root's group, a trap). " +
      'Supplementary groups come from initgroups unless `no-initgroups` is set.',
  }),
  'add-gid': list({
    roles: emperorAndInstance,
    type: principal('group'),
    doc: 'Add this supplementary group when dropping privileges',
  }),
  'no-initgroups': one({
    roles: emperorAndInstance,
    type: boolean(),
    default: false,
    doc: "Do not give the process the supplementary groups of `uid`'s user",
  }),
  'allow-root': one({
    roles: ['instance'],
    type: boolean(),
    default: false,
    doc: 'Allow app code to run as root (refused otherwise)',
    details:
      "tsgi's own option. Without it an instance that would run its workers as root (started as root " +
      'without `uid`, or with `uid = root`) exits with an error that names this option, and a root ' +
      'emperor refuses such a vassal unless its file sets this option. The emperor honours it only outside ' +
      "tyrant mode, where the file's author may choose any `uid` anyway; in tyrant mode a vassal never " +
      'runs as root. An emperor never runs app code, so the option means nothing in emperor.ini.',
  }),
  cap: optional({
    roles: ['emperor'],
    type: commaList(oneOf(capabilityNames)),
    doc: 'Capabilities the emperor keeps after switching to its `uid`/`gid` (`cap = setgid,setuid`)',
    details:
      'The recipe of an unprivileged tyrant emperor: `uid`, `gid`, `emperor-tyrant` and ' +
      "`cap = setgid,setuid`, which is just enough to start each vassal as its file's owner; add `chown` " +
      'for vassals whose `chown-socket` names another user. Started as root, the emperor re-starts ' +
      'itself through setpriv as `uid`/`gid` with exactly these capabilities (effective, ambient and ' +
      'bounding sets); the root process stays only as a waiter that takes the same uid, forwards signals ' +
      'and exits with its status. Started already unprivileged (systemd `AmbientCapabilities=`), it checks ' +
      'that it holds them and exits with ERR_PRIVILEGE_CAPABILITY_MISSING otherwise. Names as in uWSGI, ' +
      'without `cap_` (uWSGI also takes numbers; tsgi wants names). Vassals and workers never keep a ' +
      'capability: they all end with empty capability sets. See docs/security.md.',
  }),
  chroot: optional({
    roles: emperorAndInstance,
    type: path(),
    doc: 'Change the root directory before dropping privileges',
    details: 'Then `uid` and `gid` names are looked up inside the new root, as in uWSGI.',
    plannedIn: 'later',
  }),
  unshare: optional({
    roles: emperorAndInstance,
    type: commaList(oneOf(namespaceNames)),
    doc: 'Run in new Linux namespaces: a list of mount, ipc, net, pid, uts, user',
    details:
      "`fs`, `mnt` and `ns` are uWSGI's other names for `mount`. uWSGI's clone flags that are not " +
      'namespaces (`files`, `sysvsem`, `io`, `parent`) are not accepted.',
    plannedIn: 'later',
  }),
  cgroup: list({
    roles: emperorAndInstance,
    type: path(),
    doc: 'Create this cgroup directory and move the process into it',
    details:
      'uWSGI writes the pid to `tasks`, which exists only under cgroup v1; tsgi writes `cgroup.procs`, ' +
      'which both versions have.',
    plannedIn: 'later',
  }),
  env: list({
    roles: emperorAndInstance,
    type: envAssignment(),
    doc: 'Set an environment variable (`KEY=VALUE`) for the app; `KEY` alone unsets it',
    details:
      'Applied in order before the app loads; the value is literal (quotes stay). Repeat the option for ' +
      'several variables. An empty `env =` is ignored with a warning. In an emperor, the variable is set ' +
      'for the emperor and so inherited by its vassals.',
  }),
  unenv: list({
    roles: emperorAndInstance,
    type: string({ expected: 'an environment variable name' }),
    doc: 'Remove an environment variable before the app loads',
  }),
  envdir: list({
    roles: emperorAndInstance,
    type: path(),
    doc: 'Load environment variables from a daemontools envdir (one file per variable)',
    plannedIn: 'later',
  }),
  chdir: optional({
    roles: emperorAndInstance,
    type: path(),
    doc: 'Change to this directory before the app loads',
    details:
      'A relative value is taken from the current directory; for a vassal that is the directory of its ' +
      'file. Unlike what some guides say, it does not confine the app (that is `chroot`).',
  }),
  chdir2: optional({
    roles: ['worker'],
    type: path(),
    doc: 'Change to this directory after the app has loaded',
    plannedIn: 'later',
  }),
})
