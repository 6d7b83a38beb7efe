// The systemd units tsgi ships and prints (`tsgi systemd-unit`): one renderer, so contrib/systemd/ and the verb
// never drift apart (a test renders the shipped files again). Timeouts follow DESIGN.md's order:
// worker-reload-mercy (60 s) < emperor-curse-tolerance (75 s) < TimeoutStopSec (90 s).

export interface ServiceUnitOptions {
  /** ExecStart's program and its first arguments: the installed `tsgi` (or node and main.js). */
  readonly tsgiCommand: string
  readonly iniPath: string
  readonly role: 'emperor' | 'instance'
  /** A dedicated `tsgi` user with only CAP_SETUID/CAP_SETGID (and CAP_CHOWN for chown-socket). */
  readonly isUnprivileged: boolean
  /** notify-reload from systemd 253; Debian 12's 252 treats an unknown Type= as simple, silently. */
  readonly type: 'notify' | 'notify-reload'
}

/** systemd's version from `systemctl --version` ("systemd 252 (252.38-1~deb12u1)"); undefined if unreadable. */
export function systemdVersionOf(output: string): number | undefined {
  const match = /^systemd (\d+)/m.exec(output)
  return match === null ? undefined : Number(match[1])
}

/** Type=notify-reload where systemd knows it (253 and later), else Type=notify with ExecReload. */
export function serviceTypeFor(version: number | undefined): ServiceUnitOptions['type'] {
  return version !== undefined && version >= 253 ? 'notify-reload' : 'notify'
}

export function renderServiceUnit(options: ServiceUnitOptions): string {
  const isEmperor = options.role === 'emperor'
  const lines = [
    '[Unit]',
    `Description=${isEmperor ? 'tsgi Emperor' : 'tsgi instance'} (${options.iniPath})`,
    'After=network.target',
    '',
    '[Service]',
    '# READY=1, STATUS=, RELOADING=1 and STOPPING=1 over sd_notify; only the main process may send them.',
    `Type=${options.type}`,
    'NotifyAccess=main',
    `ExecStart=${options.tsgiCommand} --ini ${options.iniPath}`,
    ...(options.type === 'notify'
      ? ['# Type=notify-reload (systemd >= 253) sends SIGHUP itself; here a reload is asked for explicitly.']
      : ['# systemd sends SIGHUP for a reload and waits for READY=1.']),
    ...(options.type === 'notify' ? ['ExecReload=/usr/bin/kill -HUP $MAINPID'] : []),
    '# SIGTERM is a graceful stop (uWSGI used SIGQUIT for it: under tsgi SIGQUIT stops at once).',
    'KillSignal=SIGTERM',
    '# The main process gets SIGTERM and stops its children itself; anything left at the end gets SIGKILL.',
    'KillMode=mixed',
    '# Above emperor-curse-tolerance (75 s), itself above worker-reload-mercy (60 s).',
    'TimeoutStopSec=90',
    'Restart=on-failure',
    'RestartSec=2',
    '# WATCHDOG=1 comes every 15 s while the event loop turns; a stuck process is restarted.',
    'WatchdogSec=30',
    ...(options.isUnprivileged ? unprivilegedLines() : []),
    '# Hardening that leaves tyrant mode working (setuid/setgid to each vassal owner, chown of sockets).',
    'NoNewPrivileges=true',
    'ProtectSystem=full',
    'ProtectKernelTunables=true',
    'ProtectKernelModules=true',
    'ProtectControlGroups=true',
    'ProtectClock=true',
    'ProtectHostname=true',
    'RestrictRealtime=true',
    'RestrictSUIDSGID=true',
    'LockPersonality=true',
    'SystemCallArchitectures=native',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ]
  return lines.join('\n')
}

function unprivilegedLines(): string[] {
  return [
    '# An unprivileged emperor: the tsgi user, keeping only what it needs to start vassals as their users.',
    'User=tsgi',
    'Group=tsgi',
    '# Add CAP_CHOWN to both lines when a vassal uses chown-socket.',
    'AmbientCapabilities=CAP_SETUID CAP_SETGID',
    'CapabilityBoundingSet=CAP_SETUID CAP_SETGID',
  ]
}

/** The socket unit of the seed page: the emperor starts at the first connection, and hands the socket on. */
export function renderSocketUnit(): string {
  return [
    '[Unit]',
    'Description=Socket for the tsgi Emperor',
    '',
    '[Socket]',
    '# Change this to the address of your vassal (socket = /run/tsgi/app.sock in its ini file): the emperor',
    '# hands this socket to the vassal that declares it. FileDescriptorName says the protocol of a socket',
    '# no vassal declares: uwsgi (for nginx uwsgi_pass) or http.',
    'ListenStream=/run/tsgi/app.sock',
    'FileDescriptorName=uwsgi',
    'SocketUser=www-data',
    'SocketGroup=www-data',
    'SocketMode=0660',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n')
}
