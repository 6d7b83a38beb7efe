// Feeds bytes to a VarsDecoder in chunks cut at the given offsets, as a socket might deliver them, and
// collects the outcome: the packet plus the whole body that followed it, or the error that was thrown.
import { readFileSync } from 'node:fs'

import {
  VarsDecoder,
  type UwsgiPacket,
  type VarsDecoderOptions,
} from '../../src/protocols/uwsgi/vars-decoder.js'
import { fixturePath } from './fixture-path.js'

export type DecodeOutcome =
  | { readonly packet: UwsgiPacket; readonly body: Buffer }
  | { readonly error: unknown }
  /** The connection ended before the header; VarsDecoder.end() did not throw. */
  | { readonly empty: true }

/** `cuts` are offsets into `bytes`, ascending; [] feeds it whole. end() is called after the last chunk. */
export function decodeInChunks(
  bytes: Buffer,
  cuts: readonly number[],
  options: VarsDecoderOptions = {},
): DecodeOutcome {
  const decoder = new VarsDecoder(options)
  const edges = [0, ...cuts, bytes.length]
  try {
    for (let index = 0; index + 1 < edges.length; index++) {
      const packet = decoder.push(bytes.subarray(edges[index], edges[index + 1]))
      if (packet !== undefined) {
        const rest = bytes.subarray(edges[index + 1])
        return { packet, body: Buffer.concat([packet.bodyStart, rest]) }
      }
    }
    decoder.end()
    return { empty: true }
  } catch (error) {
    return { error }
  }
}

/** Every way to cut `length` bytes into two chunks, and one byte at a time. */
export function everySplit(length: number): number[][] {
  const splits: number[][] = [[]]
  for (let cut = 1; cut < length; cut++) splits.push([cut])
  splits.push(Array.from({ length: Math.max(0, length - 1) }, (_, index) => index + 1))
  return splits
}

/** Reads test/fixtures/packets/NAME: '#' comment lines, then the packet bytes in hex. */
export function readPacketFixture(name: string): Buffer {
  const text = readFileSync(fixturePath('packets', name), 'utf8')
  return Buffer.from(
    text
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join(''),
    'hex',
  )
}

/** Decodes a whole packet fixture (it must be valid) into its packet and body. */
export function decodePacketFixture(name: string): { readonly packet: UwsgiPacket; readonly body: Buffer } {
  const outcome = decodeInChunks(readPacketFixture(name), [])
  if (!('packet' in outcome)) throw new Error(`fixture ${name} does not decode to a packet`)
  return outcome
}
