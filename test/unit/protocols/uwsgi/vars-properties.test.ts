// Property tests of the uwsgi codec (STYLE.md section 6): encode→decode round trips on random var sets, and
// random bytes that must each yield a packet or a TsgiError, never another throw and never a hang. Seeded
// and bounded in count, so a failure replays from its seed.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TsgiError } from '../../../../src/errors/tsgi-error.js'
import type { UwsgiVar } from '../../../../src/protocols/uwsgi/vars-decoder.js'
import { encodeVars } from '../../../../src/protocols/uwsgi/vars-encoder.js'
import { decodeInChunks } from '../../../helpers/decode-uwsgi.js'
import { seededRandom } from '../../../helpers/seeded-random.js'

const integer = (next: () => number, max: number): number => Math.floor(next() * (max + 1))

const randomBytes = (next: () => number, length: number): Buffer =>
  Buffer.from(Array.from({ length }, () => integer(next, 255)))

/** Random cut points into `length` bytes: none, a few, or one byte at a time. */
function randomCuts(next: () => number, length: number): number[] {
  const kind = integer(next, 3)
  if (kind === 0 || length < 2) return []
  if (kind === 3 && length < 2000) return Array.from({ length: length - 1 }, (_, index) => index + 1)
  const cuts = Array.from({ length: 1 + integer(next, 5) }, () => 1 + integer(next, length - 2))
  return [...new Set(cuts)].sort((a, b) => a - b)
}

const keyAlphabet = ['A', 'Z', '_', '0', 'é', '€', '𝄞']

function randomVars(next: () => number): UwsgiVar[] {
  const vars: UwsgiVar[] = []
  const count = integer(next, 40)
  let size = 0
  for (let index = 0; index < count; index++) {
    const key = Array.from({ length: 1 + integer(next, 12) }, () => keyAlphabet[integer(next, 6)]).join('')
    const valueLength = integer(next, 5) === 0 ? integer(next, 2000) : integer(next, 30)
    const value = randomBytes(next, valueLength).toString('latin1')
    size += 4 + Buffer.byteLength(key) * 2 + valueLength + 10
    if (size > 65535) break
    vars.push([key, value])
    // Repeat a key now and then: duplicates must survive, in order.
    if (integer(next, 9) === 0) vars.push([key, `again ${index}`])
  }
  return vars
}

test('vars codec round-trips 500 random var sets fed in random chunks, with a body after them', () => {
  const next = seededRandom(20261122)
  for (let round = 0; round < 500; round++) {
    const vars = randomVars(next)
    const modifier1 = integer(next, 255)
    const modifier2 = integer(next, 255)
    const body = randomBytes(next, integer(next, 50))
    const bytes = Buffer.concat([encodeVars(vars, { modifier1, modifier2 }), body])
    const outcome = decodeInChunks(bytes, randomCuts(next, bytes.length))
    assert.ok(
      'packet' in outcome,
      `round ${round}: ${'error' in outcome ? String(outcome.error) : 'no packet'}`,
    )
    assert.deepEqual(outcome.packet.vars, vars, `round ${round}`)
    assert.equal(outcome.packet.modifier1, modifier1)
    assert.equal(outcome.packet.modifier2, modifier2)
    assert.deepEqual(outcome.body, body, `round ${round}`)
  }
})

/** Random bytes of three kinds, so that packets, var errors and header errors all occur. */
function fuzzInput(next: () => number): Buffer {
  switch (integer(next, 2)) {
    case 0:
      return randomBytes(next, integer(next, 64))
    case 1: {
      // A header that announces exactly the random block after it: exercises the var parser.
      const block = randomBytes(next, integer(next, 48))
      return Buffer.concat([Buffer.from([integer(next, 255), block.length, 0, integer(next, 255)]), block])
    }
    default: {
      // A valid packet with a few bytes overwritten.
      const packet = encodeVars(randomVars(next).slice(0, 4))
      for (let flips = 1 + integer(next, 3); flips > 0; flips--) {
        packet[integer(next, packet.length - 1)] = integer(next, 255)
      }
      return packet
    }
  }
}

test(
  'vars decoder turns 10,000 random byte strings into a packet or a TsgiError, nothing else',
  { timeout: 60_000 },
  () => {
    const next = seededRandom(424242)
    const seen = { packets: 0, empty: 0, errors: new Map<string, number>() }
    for (let round = 0; round < 10_000; round++) {
      const bytes = fuzzInput(next)
      const maxVarsBytes = integer(next, 3) === 0 ? integer(next, 64) : 65535
      const outcome = decodeInChunks(bytes, randomCuts(next, bytes.length), { maxVarsBytes })
      if ('packet' in outcome) {
        seen.packets++
        // What was decoded encodes back to the very bytes it came from.
        const consumed = bytes.length - outcome.body.length
        const again = encodeVars(outcome.packet.vars, outcome.packet)
        assert.deepEqual(again, bytes.subarray(0, consumed), `round ${round}`)
      } else if ('error' in outcome) {
        const { error } = outcome
        assert.ok(error instanceof TsgiError, `round ${round} threw ${String(error)}`)
        assert.ok(error.code.startsWith('ERR_PROTOCOL_'), `round ${round}: ${error.code} ${error.message}`)
        seen.errors.set(error.code, (seen.errors.get(error.code) ?? 0) + 1)
      } else {
        seen.empty++
      }
    }
    // The generator reaches every outcome, or the test proves less than it claims.
    assert.ok(seen.packets > 1000, `only ${seen.packets} packets`)
    for (const code of [
      'ERR_PROTOCOL_TRUNCATED_PACKET',
      'ERR_PROTOCOL_VARS_TOO_LARGE',
      'ERR_PROTOCOL_VAR_OVERRUN',
      'ERR_PROTOCOL_EMPTY_VAR_KEY',
      'ERR_PROTOCOL_VAR_KEY_NOT_UTF8',
    ]) {
      assert.ok((seen.errors.get(code) ?? 0) > 0, `no ${code} among ${JSON.stringify([...seen.errors])}`)
    }
  },
)
