// THE error registry (STYLE.md section 3). A code is permanent: never renamed, never reused.
// Each entry: what kind of failure it is (which decides the exit code), a message built from typed
// parameters, and one line on how to fix it. docs/errors.md is generated from this table.

/** What kind of failure a code reports; `warning` never stops anything. */
export type ErrorKind = 'config' | 'usage' | 'environment' | 'request' | 'internal' | 'warning'

export interface CodeEntry<P> {
  readonly kind: ErrorKind
  readonly message: (params: P) => string
  readonly fix: string
}

const entry = <P>(kind: ErrorKind, message: (params: P) => string, fix: string): CodeEntry<P> => ({
  kind,
  message,
  fix,
})

const q = (text: string): string => JSON.stringify(text)

/** Client-sent text in a message: at most 64 characters, so one bad request cannot flood the log. */
const excerpt = (text: string): string => (text.length > 64 ? `${text.slice(0, 64)}…` : text)

export const codes = {
  ERR_CONFIG_UNKNOWN_OPTION: entry<{ name: string; suggestion?: string | undefined }>(
    'config',
    (p) =>
      `Cannot use option ${q(p.name)} as it is not a tsgi or uWSGI option` +
      (p.suggestion === undefined ? '' : ` (did you mean ${q(p.suggestion)}?)`),
    'Fix the spelling; `tsgi help OPTION` lists an option, `tsgi --help` all of them',
  ),
  ERR_CONFIG_INVALID_VALUE: entry<{ option: string; expected: string; value: string }>(
    'config',
    (p) => `Cannot set ${q(p.option)} as it must be ${p.expected}: current value is ${q(p.value)}`,
    'Write a value of the expected form; `tsgi help OPTION` shows it',
  ),
  ERR_CONFIG_UNSUPPORTED_OPTION: entry<{ name: string }>(
    'config',
    (p) => `Cannot use uWSGI option ${q(p.name)} as tsgi does not implement it and "strict" is on`,
    'Remove the option, or turn "strict" off to accept it with a warning',
  ),
  ERR_CONFIG_FILE_NOT_FOUND: entry<{ file: string }>(
    'config',
    (p) => `Cannot read config file ${q(p.file)}: it does not exist`,
    'Check the path; relative paths are taken from the directory of the file that names them',
  ),
  ERR_CONFIG_FILE_UNREADABLE: entry<{ file: string; reason: string }>(
    'config',
    (p) => `Cannot read config file ${q(p.file)}: ${p.reason}`,
    'Make the file readable by the user tsgi runs as (in tyrant mode: the file owner)',
  ),
  ERR_CONFIG_FILE_TOO_LARGE: entry<{ file: string; sizeBytes: number; limitBytes: number }>(
    'config',
    (p) =>
      `Cannot load config file ${q(p.file)} as it must be at most ${p.limitBytes} bytes: it has ${p.sizeBytes} bytes`,
    'A config file is never this large; check that the path names the config and not a data file',
  ),
  ERR_CONFIG_NOT_TEXT: entry<{ file: string; reason: string }>(
    'config',
    (p) => `Cannot load config file ${q(p.file)} as it must be UTF-8 text: ${p.reason}`,
    'Check that the path names a config file; save it as UTF-8',
  ),
  ERR_CONFIG_EMPTY_FILE: entry<{ file: string }>(
    'config',
    (p) => `Cannot load config file ${q(p.file)} as it must set at least one option: it is empty`,
    'Write the options into the file, or remove it',
  ),
  ERR_CONFIG_UNKNOWN_FORMAT: entry<{ file: string }>(
    'config',
    (p) =>
      `Cannot tell the format of config file ${q(p.file)}: its name must end in .ini, .json, .yaml or .yml`,
    'Rename the file, or load it with --ini, --json or --yaml',
  ),
  ERR_CONFIG_XML_UNSUPPORTED: entry<{ file: string }>(
    'config',
    (p) => `Cannot load XML config file ${q(p.file)}: tsgi reads ini, JSON and YAML, not XML`,
    'Convert the file to ini: one `key = value` line per XML element',
  ),
  ERR_CONFIG_SECTION_NOT_FOUND: entry<{ file: string; section: string; found: readonly string[] }>(
    'config',
    (p) =>
      `Cannot find section [${p.section}] in ${q(p.file)}: ` +
      (p.found.length === 0
        ? 'the file has no sections'
        : `its sections are ${p.found.map((s) => `[${s}]`).join(', ')}`),
    'Name an existing section with FILE:SECTION, or add the section',
  ),
  ERR_INI_BAD_SECTION_HEADER: entry<{ text: string }>(
    'config',
    (p) => `Cannot read section header ${q(p.text)} as it must look like "[name]"`,
    'Write the section name between square brackets, alone on its line',
  ),
  ERR_INI_BAD_KEY: entry<{ key: string }>(
    'config',
    (p) =>
      `Cannot read line as "key = value" as the key must be letters, digits, "-", "_" or ".": key is ${q(p.key)}`,
    'Write one `key = value` per line; start a comment with ";" or "#"',
  ),
  ERR_CONFIG_BAD_STRUCTURE: entry<{ expected: string; found: string }>(
    'config',
    (p) => `Cannot read config as ${p.expected}: found ${p.found}`,
    'JSON and YAML configs map option names to a string, number, boolean or a list of them',
  ),
  ERR_CONFIG_SYNTAX: entry<{ format: string; reason: string }>(
    'config',
    (p) => `Cannot parse ${p.format}: ${p.reason}`,
    'Fix the syntax at the position shown',
  ),
  ERR_CONFIG_INCLUDE_CYCLE: entry<{ chain: readonly string[] }>(
    'config',
    (p) =>
      `Cannot include ${q(p.chain[p.chain.length - 1] ?? '')} as it is already being loaded: ${p.chain.join(' -> ')}`,
    'Remove one of the includes that form the cycle',
  ),
  ERR_CONFIG_UNTERMINATED_EXPANSION: entry<{ text: string; opener: string }>(
    'config',
    (p) => `Cannot expand ${q(p.text)} as "${p.opener}" must be closed by ")"`,
    'Close the expansion with ")"; write a literal "$(" as "$$(" is not needed: quote it differently or use a placeholder',
  ),
  ERR_CONFIG_PLACEHOLDER_CYCLE: entry<{ chain: readonly string[] }>(
    'config',
    (p) => `Cannot expand placeholder as it refers to itself: ${p.chain.map((n) => `%(${n})`).join(' -> ')}`,
    'Break the cycle: a placeholder must not refer back to itself',
  ),
  ERR_CONFIG_AT_FILE: entry<{ file: string; reason: string }>(
    'config',
    (p) => `Cannot expand @(${p.file}): ${p.reason}`,
    'Create the file, or fix its path (relative paths are taken from the config file directory)',
  ),
  ERR_CONFIG_UNKNOWN_USER: entry<{ option: string; user: string }>(
    'config',
    (p) => `Cannot set ${q(p.option)} as user ${q(p.user)} must exist on this machine: it does not`,
    'Create the user (useradd) or name an existing one; numbers are taken as they are',
  ),
  ERR_CONFIG_UNKNOWN_GROUP: entry<{ option: string; group: string }>(
    'config',
    (p) => `Cannot set ${q(p.option)} as group ${q(p.group)} must exist on this machine: it does not`,
    'Create the group (groupadd) or name an existing one; numbers are taken as they are',
  ),
  ERR_CONFIG_LOGIC: entry<{ problem: string }>(
    'config',
    (p) => `Cannot apply config logic: ${p.problem}`,
    'Close every if-*/for block with endif/endfor; blocks do not nest',
  ),
  ERR_CONFIG_PLACEHOLDER_IS_OPTION: entry<{ name: string }>(
    'config',
    (p) => `Cannot define placeholder ${q(p.name)} with set-placeholder as it is the name of an option`,
    'Use `set = name=value` to set an option, or choose another placeholder name',
  ),
  ERR_CONFIG_INCOMPATIBLE_OPTIONS: entry<{ first: string; second: string; reason: string }>(
    'config',
    (p) => `Cannot use ${q(p.first)} together with ${q(p.second)}: ${p.reason}`,
    'Remove one of the two options',
  ),
  ERR_CONFIG_MISSING_VALUE: entry<{ option: string; expected: string }>(
    'config',
    (p) => `Cannot set ${q(p.option)} as it must be given ${p.expected}: the value is empty`,
    'Write a value after "="',
  ),
  ERR_USAGE_UNKNOWN_FLAG: entry<{ flag: string; suggestion?: string | undefined }>(
    'usage',
    (p) =>
      `Cannot use command-line flag ${q(p.flag)} as no option has that name` +
      (p.suggestion === undefined ? '' : ` (did you mean ${q(p.suggestion)}?)`),
    'Run `tsgi --help` for the options',
  ),
  ERR_USAGE_MISSING_ARGUMENT: entry<{ flag: string; expected: string }>(
    'usage',
    (p) => `Cannot use ${q(p.flag)} as it must be followed by ${p.expected}: nothing follows it`,
    'Give the value after the flag, or as --flag=value',
  ),
  ERR_USAGE_UNEXPECTED_ARGUMENT: entry<{ argument: string; reason: string }>(
    'usage',
    (p) => `Cannot use argument ${q(p.argument)}: ${p.reason}`,
    'Run `tsgi --help` for the usage',
  ),
  ERR_USAGE_NOTHING_TO_DO: entry<Record<string, never>>(
    'usage',
    () => 'Cannot run as a config file or options must be given: none were given',
    'Run `tsgi --ini FILE`, or `tsgi --help` for the usage',
  ),
  ERR_USAGE_NO_CONFIG_FILES: entry<{ dir: string }>(
    'usage',
    (p) =>
      `Cannot check directory ${q(p.dir)} as it must hold .ini, .json, .yaml or .yml files: it holds none`,
    'Name the config files or a directory that holds them',
  ),
  ERR_USAGE_UNKNOWN_HELP_TOPIC: entry<{ topic: string; suggestion?: string | undefined }>(
    'usage',
    (p) =>
      `Cannot show help for ${q(p.topic)} as no option or command has that name` +
      (p.suggestion === undefined ? '' : ` (did you mean ${q(p.suggestion)}?)`),
    'Run `tsgi --help` for the list',
  ),
  ERR_USAGE_ROLE_NOT_AVAILABLE: entry<{ role: string; issue: number }>(
    'usage',
    (p) => `Cannot run the ${p.role} role as this build does not include it yet (tsgi issue #${p.issue})`,
    'Use `tsgi check` or `tsgi print-config` to validate configs until the role lands',
  ),
  ERR_PROTOCOL_VARS_TOO_LARGE: entry<{ sizeBytes: number; limitBytes: number }>(
    'request',
    (p) =>
      `Cannot read uwsgi request as its vars block must be at most ${p.limitBytes} bytes (buffer-size): ` +
      `it has ${p.sizeBytes} bytes`,
    'Raise `buffer-size` (at most 65535), or have the client send fewer or smaller headers (cookies, tokens)',
  ),
  ERR_PROTOCOL_TRUNCATED_PACKET: entry<{ receivedBytes: number; expectedBytes: number }>(
    'request',
    (p) =>
      `Cannot read uwsgi request as its header and vars must be ${p.expectedBytes} bytes: ` +
      `the connection ended after ${p.receivedBytes}`,
    'The client closed the connection in the middle of a request; look at its side (the nginx error log)',
  ),
  ERR_PROTOCOL_HTTP_ON_UWSGI_SOCKET: entry<{ start: string }>(
    'request',
    (p) =>
      'Cannot read uwsgi request as it must start with a uwsgi packet header: ' +
      `it starts with ${q(p.start)}, which is HTTP`,
    'Send HTTP clients to an `http-socket`; for a uwsgi `socket` nginx needs `uwsgi_pass`, not `proxy_pass`',
  ),
  ERR_PROTOCOL_VAR_OVERRUN: entry<{
    offset: number
    part: string
    lengthBytes: number
    remainingBytes: number
  }>(
    'request',
    (p) =>
      `Cannot read uwsgi var at byte ${p.offset} of the vars block as its ${p.part} ` +
      `(${p.lengthBytes} bytes) must fit in the vars block: ${p.remainingBytes} bytes are left`,
    'The client does not speak the uwsgi protocol; connect only nginx `uwsgi_pass` or another uwsgi client',
  ),
  ERR_PROTOCOL_EMPTY_VAR_KEY: entry<{ offset: number }>(
    'request',
    (p) =>
      `Cannot read uwsgi var at byte ${p.offset} of the vars block as its key must be at least 1 byte: ` +
      'key length is 0',
    'Remove the `uwsgi_param` line with an empty name; nginx never sends an empty key by itself',
  ),
  ERR_PROTOCOL_VAR_KEY_NOT_UTF8: entry<{ offset: number; hex: string }>(
    'request',
    (p) =>
      `Cannot read uwsgi var at byte ${p.offset} of the vars block as its key must be UTF-8: ` +
      `it is 0x${p.hex}`,
    'The client does not speak the uwsgi protocol; connect only nginx `uwsgi_pass` or another uwsgi client',
  ),
  ERR_PROTOCOL_BAD_HEADER_NAME: entry<{ key: string }>(
    'request',
    (p) =>
      `Cannot pass uwsgi var ${q(excerpt(p.key))} as an HTTP header as the part after "HTTP_" must be ` +
      'letters, digits, "_" or "-"',
    'Rename the `uwsgi_param`: HTTP_X_MY_HEADER becomes the header X-My-Header',
  ),
  ERR_PROTOCOL_BAD_HEADER_VALUE: entry<{ key: string }>(
    'request',
    (p) =>
      `Cannot pass uwsgi var ${q(excerpt(p.key))} as an HTTP header as its value ` +
      'must not contain CR, LF or NUL',
    'nginx never sends these; check the `uwsgi_param` lines and any client that talks uwsgi directly',
  ),
  ERR_PROTOCOL_BAD_REQUEST_LINE: entry<{ key: string; expected: string; value: string }>(
    'request',
    (p) =>
      `Cannot build the request line as ${p.key} must be ${p.expected}: ` +
      `current value is ${q(excerpt(p.value))}`,
    'nginx sends valid values; check the `uwsgi_param` lines and any client that talks uwsgi directly',
  ),
  ERR_PROTOCOL_BAD_CONTENT_LENGTH: entry<{ value: string }>(
    'request',
    (p) =>
      `Cannot read CONTENT_LENGTH as it must be a decimal number of bytes or empty: ` +
      `current value is ${q(excerpt(p.value))}`,
    'nginx sends valid values; check the `uwsgi_param` lines and any client that talks uwsgi directly',
  ),
  ERR_PROTOCOL_CANNOT_ENCODE_VARS: entry<{ reason: string }>(
    'request',
    (p) => `Cannot encode uwsgi vars: ${p.reason}`,
    'Keep keys non-empty, each key and value under 64 KiB, string values within Latin-1 (or pass bytes)',
  ),
  ERR_SOCKET_IN_USE: entry<{ address: string; owner: string }>(
    'environment',
    (p) => `Cannot bind socket ${q(p.address)} as it must be free: ${p.owner}`,
    'Stop the other process, or choose another address',
  ),
  ERR_SOCKET_BIND: entry<{ address: string; reason: string }>(
    'environment',
    (p) => `Cannot bind socket ${q(p.address)}: ${p.reason}`,
    'Create the directory, fix its permissions, or choose another address',
  ),
  ERR_SOCKET_NOT_A_SOCKET: entry<{ path: string }>(
    'environment',
    (p) =>
      `Cannot bind unix socket ${q(p.path)} as the path must be free or a stale socket: it is another kind of file`,
    'Remove the file, or choose another socket path',
  ),
  ERR_SOCKET_PERMISSIONS: entry<{ path: string; action: string; reason: string }>(
    'environment',
    (p) => `Cannot ${p.action} unix socket ${q(p.path)}: ${p.reason}`,
    'Run the instance as root (it drops privileges after binding), or remove chown-socket',
  ),
  ERR_SOCKET_SHARED_INDEX: entry<{ address: string; count: number }>(
    'config',
    (p) =>
      `Cannot use ${q(p.address)} as it must name one of the ${p.count} shared-socket entries (=0 to =${p.count - 1})`,
    'Add the shared-socket, or fix the index',
  ),
  ERR_EMPEROR_STATS_UNREACHABLE: entry<{ address: string; reason: string }>(
    'environment',
    (p) => `Cannot read the emperor's stats from ${q(p.address)}: ${p.reason}`,
    'Start the emperor with `emperor-stats` set to this address, or pass its address (or `--ini EMPEROR.ini`) to `tsgi status`',
  ),
  ERR_EMPEROR_STATS_NOT_SET: entry<{ file: string }>(
    'config',
    (p) => `Cannot find the emperor's stats address as ${q(p.file)} must set "emperor-stats": it does not`,
    'Add `emperor-stats = ADDR` to the emperor config, or pass the address to `tsgi status`',
  ),
  ERR_EMPEROR_CONTROL_UNREACHABLE: entry<{ address: string; reason: string }>(
    'environment',
    (p) => `Cannot reach the emperor's control socket ${q(p.address)}: ${p.reason}`,
    "Start the emperor with `emperor-control` set to this path, or pass its path (or `--ini EMPEROR.ini`) to the command; it is 0600: run the command as the emperor's user (or root)",
  ),
  ERR_EMPEROR_CONTROL_NOT_SET: entry<{ file: string }>(
    'config',
    (p) => `Cannot find the emperor's control socket as ${q(p.file)} must set "emperor-control": it does not`,
    'Add `emperor-control = /run/tsgi/emperor-control.sock` to the emperor config, or pass the path to the command',
  ),
  ERR_EMPEROR_CONTROL_BAD_REQUEST: entry<{ reason: string }>(
    'request',
    (p) =>
      `Cannot read the control request as it must be one line of JSON such as {"command":"reload","vassal":"shop.ini"}: ${p.reason}`,
    'Send one JSON object per connection, ended by a newline; `tsgi reload|stop|start NAME` does',
  ),
  ERR_EMPEROR_CONTROL_TIMEOUT: entry<{ name: string; command: string; seconds: number }>(
    'environment',
    (p) =>
      `Cannot confirm the ${p.command} of vassal ${q(p.name)} as it must end within ${p.seconds} s: it did not (it may still end; \`tsgi status\` shows its state)`,
    'Wait and check `tsgi status`, or give the command a longer `--timeout`',
  ),
  ERR_EMPEROR_UNKNOWN_VASSAL: entry<{ name: string; suggestion?: string | undefined }>(
    'usage',
    (p) =>
      `Cannot find vassal ${q(p.name)} as it must be one the emperor governs: it is not` +
      (p.suggestion === undefined ? '' : ` (did you mean ${q(p.suggestion)}?)`),
    '`tsgi status` lists the vassals; a vassal is named by its file name (`shop.ini`)',
  ),
  ERR_VASSAL_WRONG_STATE: entry<{ name: string; command: string; expected: string; state: string }>(
    'usage',
    (p) => `Cannot ${p.command} vassal ${q(p.name)} as it must be ${p.expected}: it is ${p.state}`,
    'Stopped vassals are started with `tsgi start NAME`; a stopping one (its file was removed, or the emperor stops) cannot be acted on',
  ),
  ERR_VASSAL_CONFIG_INVALID: entry<{ name: string; command: string; errors: string; isServing: boolean }>(
    'config',
    (p) =>
      `Cannot ${p.command} vassal ${q(p.name)} as its config must be valid${p.isServing ? ' (the running one keeps serving)' : ''}: ${p.errors}`,
    'Fix the vassal file (`tsgi check FILE` lists every problem), then run the command again',
  ),
  ERR_VASSAL_COMMAND_FAILED: entry<{ name: string; command: string; reason: string }>(
    'environment',
    (p) => `Cannot ${p.command} vassal ${q(p.name)}: ${p.reason}`,
    "The vassal's own log lines say why; `tsgi status` shows its state and last exit",
  ),
  ERR_PRIVILEGE_RUN_AS_ROOT: entry<Record<string, never>>(
    'config',
    () =>
      'Cannot run app code as root: set "uid" (and "gid") to the user the app runs as, or "allow-root = true"',
    'Add `uid = USER` to the config; `allow-root = true` runs the app as root on purpose (never in tyrant mode)',
  ),
  ERR_PRIVILEGE_DROP: entry<{ what: string; reason: string }>(
    'environment',
    (p) => `Cannot drop privileges (${p.what}): ${p.reason}`,
    'Start tsgi as root to change users, or remove uid/gid from the config',
  ),
  ERR_PRIVILEGE_CAPABILITY_MISSING: entry<{ what: string; missing: string; held: string; uid: number }>(
    'environment',
    (p) =>
      `Cannot ${p.what} as the emperor (uid ${p.uid}) must hold the capabilities ${q(p.missing)}: ` +
      `its effective set is ${q(p.held)}`,
    'Start the emperor as root with `uid`, `gid`, `emperor-tyrant` and `cap = setgid,setuid` in emperor.ini, or give its systemd unit `AmbientCapabilities=CAP_SETUID CAP_SETGID` (docs/security.md)',
  ),
  ERR_RUNTIME_LOAD_FAILED: entry<{ module: string; reason: string }>(
    'environment',
    (p) => `Cannot load app ${q(p.module)}: ${p.reason}`,
    'Fix the app or the module path; the traceback above says where it failed',
  ),
  ERR_RUNTIME_NO_APP: entry<Record<string, never>>(
    'config',
    () =>
      'Cannot start workers as an app must be given: set "module" (a .js, .mjs or .cjs file, or a Python module), "wsgi-file" or "mount"',
    'Add `module = app.mjs` (Node) or `module = pkg.mod:application` (Python)',
  ),
  ERR_RUNTIME_PYTHON_NOT_FOUND: entry<{ interpreter: string; source: string; uid: number; reason: string }>(
    'environment',
    (p) =>
      `Cannot run Python workers with ${q(p.interpreter)} (from ${p.source}) as uid ${p.uid}: ${p.reason}`,
    "Point `virtualenv` at an environment made with `python3 -m venv`, or set `python-bin` to an interpreter the app's user may run",
  ),
  ERR_INSTANCE_NO_SOCKETS: entry<Record<string, never>>(
    'config',
    () =>
      'Cannot start an instance as it must listen somewhere: no socket, uwsgi-socket or http-socket is set',
    'Add `http-socket = 127.0.0.1:8000` or `socket = /run/tsgi/app.sock`',
  ),
  ERR_INSTANCE_FILE: entry<{ option: string; file: string; reason: string }>(
    'environment',
    (p) => `Cannot open ${q(p.file)} for ${q(p.option)}: ${p.reason}`,
    'Create the directory, or give the user tsgi starts as permission to write there',
  ),
  ERR_CONFIG_NOT_AVAILABLE: entry<{ what: string }>(
    'config',
    (p) => `Cannot use ${p.what}: this build of tsgi does not implement it yet`,
    'Use what `tsgi help OPTION` lists as implemented, or wait for the issue named there',
  ),
  ERR_INTERNAL_ASSERTION: entry<{ what: string }>(
    'internal',
    (p) => `This is a bug in tsgi, please report it: ${p.what}`,
    'Report the message and how to reproduce it',
  ),
  WARN_CONFIG_IGNORED_OPTION: entry<{ option: string; why: string }>(
    'warning',
    (p) => `Option ${q(p.option)} is accepted and ignored: ${p.why}`,
    'Remove the option to silence the warning',
  ),
  WARN_CONFIG_NOT_YET_IMPLEMENTED: entry<{ option: string; issue: number | 'later' }>(
    'warning',
    (p) =>
      `Option ${q(p.option)} is not yet implemented${p.issue === 'later' ? '' : ` (tsgi issue #${p.issue})`}; it has no effect`,
    'Nothing to fix: the option takes effect once that issue lands',
  ),
  WARN_CONFIG_UWSGI_OPTION: entry<{ option: string }>(
    'warning',
    (p) => `Option ${q(p.option)} is a uWSGI option that tsgi does not implement; it has no effect`,
    'Remove the option; with "strict" it is an error',
  ),
  WARN_CONFIG_EMPTY_ENV: entry<Record<string, never>>(
    'warning',
    () => 'Option "env" has an empty value and is ignored',
    'Write `env = KEY=VALUE`, or remove the line',
  ),
  WARN_CONFIG_UNKNOWN_MAGIC_VARIABLE: entry<{ text: string }>(
    'warning',
    (p) => `Magic variable ${q(p.text)} is unknown and became the empty string, as in uWSGI`,
    'Write "%%" for a literal "%" (for example `log-date = %%Y-%%m-%%d`)',
  ),
  WARN_INI_COMMENT_CUT: entry<{ option: string; comment: string }>(
    'warning',
    (p) => `Inline comment ${q(p.comment)} was cut from the value of ${q(p.option)}`,
    'If the text belongs to the value, write "\\;" or "\\#" instead',
  ),
  WARN_INI_OUTSIDE_SECTION: entry<{ key: string }>(
    'warning',
    (p) => `Key ${q(p.key)} is outside every section and is ignored`,
    'Move the key into the [uwsgi] section (in ini: below its header), or use no sections at all',
  ),
  WARN_CONFIG_ROLE_MISMATCH: entry<{ option: string; role: string }>(
    'warning',
    (p) => `Option ${q(p.option)} has no effect in the ${p.role} role`,
    'Move the option to the config of the role that reads it',
  ),
  WARN_CONFIG_UNKNOWN_ENV_OPTION: entry<{ variable: string }>(
    'warning',
    (p) => `Environment variable ${q(p.variable)} does not name an option; it is ignored`,
    'Unset the variable, or fix the option name in it',
  ),
  WARN_CONFIG_UNDEFINED_PLACEHOLDER: entry<{ name: string }>(
    'warning',
    (p) => `Placeholder %(${p.name}) is not defined and stays as written, as in uWSGI`,
    'Define it (`name = value` or `set-placeholder = name=value`) or fix its name',
  ),
  WARN_CONFIG_UNSET_ENV: entry<{ name: string }>(
    'warning',
    (p) => `Environment variable $(${p.name}) is not set and stays as written, as in uWSGI`,
    'Set the variable in the environment tsgi starts in',
  ),
  WARN_CONFIG_OVERRIDDEN: entry<{ option: string; where: string }>(
    'warning',
    (p) => `Option ${q(p.option)} is set again later (${p.where}); the later value wins`,
    'Remove one of the two lines',
  ),
} as const

export type Code = keyof typeof codes
export type ParamsOf<C extends Code> = (typeof codes)[C] extends CodeEntry<infer P> ? P : never
