// `mount = /prefix=app.mjs` for Node.js apps: the longest prefix picks the app, which sees the path below
// its mountpoint; `module` serves the rest (issue #3 item 5).
import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'

import { httpRequest } from '../../helpers/http-client.js'
import { appDir, identityArgs } from '../../helpers/instance-setup.js'
import { startTsgi } from '../../helpers/start-tsgi.js'
import { uwsgiRequest } from '../../helpers/uwsgi-client.js'

interface Answer {
  readonly app?: string
  readonly url: string
  readonly originalUrl?: string | null
}

test('mounted Node apps answer under their prefixes, on http and uwsgi sockets alike', async (t) => {
  const dir = appDir(t, 'hello.mjs', 'mounted-api.mjs')
  const http = path.join(dir.path, 'http.sock')
  const uwsgi = path.join(dir.path, 'uwsgi.sock')
  await startTsgi(
    t,
    [
      '--http-socket',
      http,
      '--socket',
      uwsgi,
      '--module',
      'hello.mjs',
      '--mount',
      '/api=mounted-api.mjs',
      '--manage-script-name',
      ...identityArgs(),
    ],
    { cwd: dir.path },
  )
  const viaHttp = async (url: string): Promise<Answer> =>
    JSON.parse((await httpRequest({ socketPath: http, path: url })).body.toString()) as Answer
  const api = await viaHttp('/api/users?id=7')
  assert.deepEqual(api, { app: 'api', url: '/users?id=7', originalUrl: '/api/users?id=7' })
  assert.equal((await viaHttp('/api')).url, '/')
  const other = await viaHttp('/apix/users')
  assert.equal(other.app, undefined, 'a prefix matches on a / boundary only: hello.mjs answers')
  assert.equal(other.url, '/apix/users')
  const response = await uwsgiRequest({
    path: uwsgi,
    vars: [
      ['REQUEST_METHOD', 'GET'],
      ['REQUEST_URI', '/api/items'],
      ['PATH_INFO', '/api/items'],
    ],
  })
  assert.deepEqual(JSON.parse(response.body.toString()), {
    app: 'api',
    url: '/items',
    originalUrl: '/api/items',
  })
})

test('a mount whose app does not load is a load error, not silently ignored', async (t) => {
  const dir = appDir(t, 'hello.mjs')
  const sock = path.join(dir.path, 'http.sock')
  const tsgi = await startTsgi(
    t,
    ['--http-socket', sock, '--module', 'hello.mjs', '--mount', '/=mysite/', '--need-app', ...identityArgs()],
    {
      cwd: dir.path,
      readyPattern: null,
    },
  )
  assert.equal((await tsgi.exited()).code, 4)
  assert.match(tsgi.output(), /ERR_RUNTIME_LOAD_FAILED|Cannot load app "mysite\/"/)
})
