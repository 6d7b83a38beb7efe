// The README's main command runs the bundled example: `tsgi --ini examples/emperor.ini` as root from an
// installed tsgi. This runs those exact files (copied, as `npm install -g` copies them, to a place the
// dropped user `nobody` can read) and checks that both example vassals serve as their comments say.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { projectPath } from '../helpers/fixture-path.js'
import { httpRequest } from '../helpers/http-client.js'
import { startTsgi } from '../helpers/start-tsgi.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { isRoot } from '../helpers/test-users.js'
import { uwsgiRequest } from '../helpers/uwsgi-client.js'
import { lookupGroup } from '../../src/platform/user-directory.js'

const runDir = '/run/tsgi'
const nobody = 65534

test(
  'the bundled example emperor serves both example vassals',
  { skip: isRoot() ? false : 'the example runs its vassals as nobody: needs root', timeout: 180_000 },
  async (t) => {
    const wwwData = lookupGroup('www-data')
    assert.ok(wwwData, "Debian's www-data group exists")
    if (!existsSync(runDir)) {
      mkdirSync(runDir, { mode: 0o755 })
      t.after(() => {
        if (readdirSync(runDir).length === 0) rmdirSync(runDir)
      })
    }
    const dir = makeTempDir(t)
    const examples = path.join(dir.path, 'examples')
    cpSync(projectPath('examples'), examples, { recursive: true })

    const emperor = await startTsgi(t, ['--ini', path.join(examples, 'emperor.ini')], {
      cwd: dir.path,
      readyPattern: null,
    })
    await emperor.waitForOutput(/vassal hello\.ini: spawning → ready/, { timeoutMs: 60_000 })
    await emperor.waitForOutput(/vassal api\.yaml: spawning → ready/, { timeoutMs: 60_000 })

    for (const port of [8080, 8081]) {
      const response = await httpRequest(`http://127.0.0.1:${port}/x?y=1`)
      assert.equal(response.status, 200)
      assert.equal(response.body.toString(), 'hello from api from /x?y=1\n')
    }

    const socket = path.join(runDir, 'hello.sock')
    const stat = statSync(socket)
    assert.equal(stat.mode & 0o777, 0o660)
    assert.equal(stat.uid, nobody)
    assert.equal(stat.gid, wwwData.gid)
    const response = await uwsgiRequest({
      path: socket,
      vars: [
        ['REQUEST_METHOD', 'GET'],
        ['REQUEST_URI', '/from-nginx'],
        ['PATH_INFO', '/from-nginx'],
        ['QUERY_STRING', ''],
        ['SERVER_PROTOCOL', 'HTTP/1.1'],
        ['SERVER_NAME', 'hello.example.test'],
        ['SERVER_PORT', '80'],
        ['REMOTE_ADDR', '127.0.0.1'],
      ],
    })
    assert.equal(response.status, 200)
    assert.equal(response.body.toString(), 'hello from /from-nginx\n')

    // Every worker runs as nobody, never as root.
    for (const pid of emperor.processes().filter((p) => p !== emperor.pid)) {
      assert.equal(statSync(`/proc/${pid}`).uid, nobody, `process ${pid} runs as nobody`)
    }

    emperor.signal('SIGTERM')
    assert.equal((await emperor.exited(90_000)).code, 0)
    // The vassal, as nobody, cannot unlink in the root-owned /run/tsgi: its emperor finishes its vacuum.
    assert.match(
      emperor.output(),
      /vassal hello\.ini: vacuum: removed its stale socket \/run\/tsgi\/hello\.sock/,
    )
    assert.equal(existsSync(socket), false, 'vacuum removed the socket')
  },
)
