// Applications and the Python runtime: which runtime a vassal uses (`plugin`), which app it loads (`module`,
// `mount`), how requests reach it, and the options of the bundled WSGI worker.
import { boolean, commaList, duration, namedValue, path, string } from '../value-types.js'
import { defineOptions, list, one, optional } from './define-options.js'

const instanceAndWorker = ['instance', 'worker'] as const
const worker = ['worker'] as const
const pluginNames = commaList(string({ expected: 'a plugin name' }))

export const pythonOptions = defineOptions('Applications and the Python runtime', {
  plugin: list({
    aliases: ['plugins'],
    roles: instanceAndWorker,
    type: pluginNames,
    doc: 'Choose the runtime of the app: `python3`, `python3.11`, `node`, `cgi` … (a comma-separated list)',
    details:
      'tsgi has no plugin files: its runtimes are built in, and this option only picks one. `python`, ' +
      '`python3`, `python3X` and `python3.X` mean the Python runtime (the last two also ask for that ' +
      'interpreter version); `node` the Node.js runtime; `cgi` the CGI runtime. Other uWSGI plugin names ' +
      "are accepted with a warning, since their features are built in or absent. uWSGI's `0:cgi` modifier " +
      'prefix is accepted and ignored. Without it the runtime is inferred from `module` (a `.js`, `.mjs` ' +
      'or `.cjs` file means Node).',
  }),
  'need-plugin': list({
    aliases: ['need-plugins'],
    roles: instanceAndWorker,
    type: pluginNames,
    doc: 'As `plugin`, but a name tsgi does not know is an error instead of a warning',
    plannedIn: 3,
  }),
  module: optional({
    aliases: ['wsgi'],
    short: 'w',
    roles: instanceAndWorker,
    type: string({ expected: 'a module, with an optional :callable or :export' }),
    doc: 'The app to load: a Python module `pkg.mod[:callable]` or a Node.js file `app.mjs[:export]`',
    details:
      'Python: `pkg.mod` uses its `application` (or `callable`); `pkg.mod:name` names the callable; ' +
      '`pkg.mod:Factory()` calls it without arguments and serves the result. ' +
      '`django.core.handlers.wsgi:WSGIHandler()` works as old guides write it: tsgi sets up the Django app ' +
      'registry first, as `get_wsgi_application()` does. Node: a file path, with an optional `:export`.',
  }),
  'wsgi-file': optional({
    aliases: ['file'],
    roles: instanceAndWorker,
    type: path(),
    doc: 'Load a Python file (such as `wsgi.py`) and serve its `application` (or `callable`)',
  }),
  callable: one({
    roles: worker,
    type: string({ expected: 'a Python identifier' }),
    default: 'application',
    doc: 'Name of the WSGI callable in `module` or `wsgi-file` when they do not name one',
  }),
  home: optional({
    aliases: ['virtualenv', 'venv', 'pyhome'],
    short: 'H',
    roles: instanceAndWorker,
    type: path(),
    doc: 'The Python virtual environment of the app; its interpreter runs the workers',
    details:
      'uWSGI sets PYTHONHOME, and the virtualenv must match the Python uWSGI was built with. tsgi runs the ' +
      "virtualenv's own `bin/python`, so any Python 3 version works. The interpreter is looked up after " +
      'dropping privileges, and logged (docs/python.md).',
  }),
  'python-bin': optional({
    roles: instanceAndWorker,
    type: path(),
    doc: 'The Python interpreter that runs the workers when no virtualenv is set (default: `python3`)',
    details:
      "tsgi's own option. A path or a command name looked up on the PATH of the dropped user; logged at " +
      'start. `home`/`virtualenv` wins over it.',
  }),
  pythonpath: list({
    aliases: ['python-path', 'pp'],
    roles: worker,
    type: path(),
    doc: 'Add a directory (or a glob of them) to sys.path of the Python workers',
    details: 'Repeatable. As in uWSGI each entry is inserted at the front, so a later entry comes first.',
  }),
  mount: list({
    roles: instanceAndWorker,
    type: namedValue('mountpoint', 'app'),
    doc: 'Serve an app under a URL prefix: `/prefix=app`, where app is written as for `module` or a file',
    details:
      'Repeatable, one app per prefix. Requests pick the app with the longest matching prefix (on a `/` ' +
      'boundary; `module` serves the rest). Node.js apps see the path below their prefix in `req.url` ' +
      'and the full one in `req.originalUrl`, whatever the socket, so nginx needs no SCRIPT_NAME. On a ' +
      'uwsgi socket `manage-script-name` also sets SCRIPT_NAME and strips it from PATH_INFO, which ' +
      'Python apps read, on HTTP sockets too. uWSGI silently ignores a target it cannot load, such as the ' +
      "seed page's `mount = /=mysite/`; tsgi never ignores one silently: a target that does not load is a " +
      "load error, and a Python target that is a directory means that directory's `wsgi.py` (when `module` " +
      'already serves that mountpoint, a log line says that `module` serves it). docs/python.md.',
  }),
  'manage-script-name': one({
    roles: worker,
    type: boolean(),
    default: false,
    doc: 'Route each request to the `mount` with the longest matching prefix, moved into SCRIPT_NAME',
    details:
      'nginx never sends SCRIPT_NAME. With this option, a uwsgi request under a mountpoint gets it as ' +
      'SCRIPT_NAME and the rest as PATH_INFO (CGI: SCRIPT_NAME + PATH_INFO is the path; uWSGI keeps the ' +
      "mountpoint's trailing `/` in SCRIPT_NAME instead). Node.js and Python apps are routed by prefix either way; without it a Python app gets the whole path in PATH_INFO and an empty SCRIPT_NAME.",
  }),
  'py-autoreload': one({
    aliases: ['py-auto-reload', 'python-autoreload', 'python-auto-reload'],
    roles: worker,
    type: duration({ plainUnit: 's' }),
    default: 0,
    implies: ['master'],
    doc: 'Reload when a loaded Python module file changes, checked this often (0 = off; for development)',
  }),
  'static-map': list({
    roles: worker,
    type: namedValue('mountpoint', 'path'),
    doc: 'Serve files under a URL prefix from a directory: `/static=/srv/app/static`',
    details: 'Usually nginx serves static files itself, as the seed page does.',
    plannedIn: 'later',
  }),
  'add-header': list({
    roles: worker,
    type: string({ expected: 'a header line, Name: value' }),
    doc: 'Add this header (`Name: value`) to every response',
    plannedIn: 'later',
  }),
})
