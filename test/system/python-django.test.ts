// Seed 004 end to end (issue #6 acceptance): a Django project generated with `django-admin startproject`
// (Debian's python3-django, from /usr/bin/python3), given the example's views (examples/django), in a
// virtualenv made with `python3 -m venv --system-site-packages`, started by a root emperor from a vassal
// file that is the seed page's config with its paths adapted — inline comments, `module =
// django.core.handlers.wsgi:WSGIHandler()`, `mount = /=mysite/`, `chown-socket = nginx:nginx`,
// `chmod-socket = 700` — behind real nginx (`uwsgi_pass` on the unix socket, workers running as nginx) that
// serves /static itself, as the page shows.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { appendFileSync, cpSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { setUp, startEmperor, waitForState } from '../helpers/emperor-harness.js'
import { projectPath } from '../helpers/fixture-path.js'
import { httpRequest, type HttpResponse } from '../helpers/http-client.js'
import { nginxSkipReason, startNginx } from '../helpers/nginx.js'
import { makeVenvAt, pythonSkipReason, systemPython } from '../helpers/python-env.js'
import { ensureSeedUsers, isRoot, makeOwnedDir, whoIs } from '../helpers/test-users.js'

const skip = !isRoot()
  ? 'the seed vassal runs as alex and chowns its socket to nginx: needs root'
  : (nginxSkipReason() ?? pythonSkipReason() ?? ensureSeedUsers() ?? false)

/** Generates the project as the seed's author would, then adds the example's pages and settings. */
function makeDjangoProject(srv: string): string {
  execFileSync(systemPython, ['-m', 'django', 'startproject', 'mysite'], { cwd: srv, stdio: 'ignore' })
  const project = path.join(srv, 'mysite')
  const example = projectPath('examples', 'django', 'mysite', 'mysite')
  const pkg = path.join(project, 'mysite')
  for (const part of ['views.py', 'urls.py', 'templates', 'assets'])
    cpSync(path.join(example, part), path.join(pkg, part), { recursive: true })
  appendFileSync(
    path.join(pkg, 'settings.py'),
    [
      '',
      '# Added by the tsgi test, as examples/django/mysite/mysite/settings.py has them.',
      "ALLOWED_HOSTS = ['*']",
      "TEMPLATES[0]['DIRS'] = [BASE_DIR / 'mysite' / 'templates']",
      "STATIC_ROOT = BASE_DIR / 'static'",
      "STATICFILES_DIRS = [BASE_DIR / 'mysite' / 'assets']",
      '',
    ].join('\n'),
  )
  execFileSync(systemPython, ['manage.py', 'collectstatic', '--noinput'], { cwd: project, stdio: 'ignore' })
  return project
}

/** The seed page's vassal lines, paths adapted to the test's directories. */
function seedVassal(socket: string, project: string, venv: string): string {
  return [
    'plugin = python3                ; this instance uses python 3. There are plugins for many',
    '                                ; different systems.',
    'uid = alex                      ; user id under which the instance should run.',
    'gid = users                     ; group id under which the instance should run',
    `socket = ${socket}  ; the socket for communicating with the front end web server`,
    'chown-socket = nginx:nginx      ; only the web server process may access the socket',
    'chmod-socket = 700              ; see above',
    'threads = 20',
    'master = 1',
    'processes = 1',
    'autoload = 1',
    '',
    '    ; the settings to use.',
    'env = DJANGO_SETTINGS_MODULE=mysite.settings',
    '',
    "    ; the module is the object that handles all requests. It's always the WSGIHandler() for",
    '    ; django applications.',
    'module = django.core.handlers.wsgi:WSGIHandler()',
    '',
    '    ; the base directory for the web application.',
    `chdir = ${project}`,
    '',
    '    ; set a virtual environment for this instance.',
    `virtualenv = ${venv}`,
    '',
    '    ; where to mount the application.',
    'mount = /=mysite/',
    '',
    '    ; vacuum, if true, instructs the emperor to clean up sockets upon shutdown of a child',
    'vacuum = true',
    '',
    '    ; this instructs the instance to monitor all source directories for code changes',
    'py-autoreload = 1',
    '',
  ].join('\n')
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function cookieOf(response: HttpResponse, name: string): string {
  const cookies = response.headers['set-cookie'] ?? []
  const found = cookies.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith(`${name}=`))
  assert.ok(found, `the response sets cookie ${name}: ${cookies.join(' | ')}`)
  return found
}

function multipart(field: string, filename: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = `tsgi-${randomBytes(8).toString('hex')}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  return { body: Buffer.concat([head, content, tail]), type: `multipart/form-data; boundary=${boundary}` }
}

test(
  'the seed page Django vassal serves pages, a CSRF form, a 10 MB upload and a 404 behind nginx',
  { skip, timeout: 300_000 },
  async (t) => {
    const setup = setUp(t)
    const alex = whoIs('alex')
    const home = makeOwnedDir(setup.base, 'alex', alex)
    const srv = path.join(setup.base, 'srv', 'djangoapp')
    mkdirSync(srv, { recursive: true, mode: 0o755 })
    const venv = makeVenvAt(path.join(srv, 'testproject'))
    const project = makeDjangoProject(srv)
    const socket = path.join(home, 'uwsgi.sock')
    writeFileSync(path.join(setup.vassalDir, 'mysite.ini'), seedVassal(socket, project, venv))

    const emperor = await startEmperor(t, setup)
    await waitForState(emperor, 'mysite.ini', 'ready')
    const output = emperor.output()
    assert.match(output, /python workers run \S+testproject\/bin\/python \(from virtualenv /)
    assert.match(output, /mount = \/=mysite\/: a directory at the mountpoint `module` already serves/)
    const socketStat = statSync(socket)
    const nginxUser = whoIs('nginx')
    assert.deepEqual(
      [socketStat.uid, socketStat.gid, socketStat.mode & 0o777],
      [nginxUser.uid, nginxUser.gid, 0o700],
      'the socket is nginx:nginx 0700, as the seed asks',
    )

    const nginx = await startNginx(t, {
      upstream: { kind: 'uwsgi', unixPath: socket },
      workerUser: 'nginx',
      extraServerConfig: `location /static { alias ${path.join(project, 'static')}; access_log off; expires 7d; gzip on; }`,
    })
    assert.ok(nginx, 'nginx started')

    const page = await httpRequest(`${nginx.url}/`)
    assert.equal(page.status, 200, nginx.logTail())
    assert.match(page.body.toString(), /Hello from Django/)
    const missing = await httpRequest(`${nginx.url}/no/such/page/`)
    assert.equal(missing.status, 404)
    // Django's own log line (its logging writes to sys.stderr) carries the vassal's prefix like every line.
    await emperor.waitForOutput(/\[mysite\.ini\] Not Found: \/no\/such\/page\//)

    // The CSRF round trip: the form's token and cookie let a POST in; a POST without them is refused.
    const form = await httpRequest(`${nginx.url}/form/`)
    assert.equal(form.status, 200)
    const cookie = cookieOf(form, 'csrftoken')
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(form.body.toString())?.[1]
    assert.ok(token, 'the form carries a CSRF token')
    const post = (headers: Record<string, string>, body: string): Promise<HttpResponse> =>
      httpRequest(`${nginx.url}/form/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      })
    const thanked = await post({ cookie }, `csrfmiddlewaretoken=${encodeURIComponent(token)}&name=Alex`)
    assert.equal(thanked.status, 200, thanked.body.toString().slice(0, 500))
    assert.match(thanked.body.toString(), /Thanks, Alex!/)
    assert.equal((await post({}, 'name=Mallory')).status, 403, 'no token, no entry')

    const content = randomBytes(10 * 1024 * 1024)
    const upload = multipart('file', 'big.bin', content)
    const uploaded = await httpRequest(`${nginx.url}/upload/`, {
      method: 'POST',
      headers: { 'content-type': upload.type },
      body: upload.body,
      timeoutMs: 120_000,
    })
    assert.equal(uploaded.status, 200, uploaded.body.toString().slice(0, 500))
    assert.deepEqual(JSON.parse(uploaded.body.toString()), { size: content.length, sha256: sha256(content) })

    // /static is nginx's alone: the file comes back, and no request of it reaches the vassal's log.
    const css = await httpRequest(`${nginx.url}/static/site.css`)
    assert.equal(css.status, 200)
    assert.match(css.body.toString(), /Served by nginx/)
    assert.equal((await httpRequest(`${nginx.url}/static/admin/css/base.css`)).status, 200)
    assert.match(emperor.output(), /GET \/form\/ => generated \d+ bytes/)
    assert.doesNotMatch(emperor.output(), /GET \/static/)
  },
)
