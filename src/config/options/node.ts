// The Node.js runtime: which `node` runs the workers of a Node app and with which flags. The app itself is
// chosen with `module` (see the applications group); these are tsgi's own options, uWSGI has no Node runtime.
import { path, string } from '../value-types.js'
import { defineOptions, list, optional } from './define-options.js'

const instance = ['instance'] as const

export const nodeOptions = defineOptions('Node.js runtime', {
  'node-bin': optional({
    roles: instance,
    type: path(),
    doc: 'The `node` executable that runs the workers of a Node app (default: the one running tsgi)',
    details:
      "tsgi's own option. A path, or a command name looked up on the PATH of the dropped user. Lets one " +
      'vassal run on another Node.js version than the emperor; it must be Node 20 or later.',
  }),
  'node-args': list({
    roles: instance,
    type: string({ expected: 'a command-line argument for node' }),
    doc: 'Pass this argument to `node` when starting a worker, such as `--max-old-space-size=512`',
    details:
      "tsgi's own option. One argument per occurrence, passed as written (no shell splitting); repeat the " +
      'option for several.',
  }),
})
