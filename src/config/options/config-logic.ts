// Directives the loader consumes while reading (uWSGI's "immediate" options, ParsingOrder.rst):
// includes, placeholders and config logic. They are registry rows so that help, docs and did-you-mean
// know them, but they never reach the Config object.
import { boolean, namedValue, optionalString, path, string } from '../value-types.js'
import { defineOptions, list, one } from './define-options.js'

const allRoles = ['emperor', 'instance', 'worker'] as const

const include = (doc: string, details?: string) =>
  list({
    roles: allRoles,
    type: path(),
    isDirective: true,
    doc,
    ...(details === undefined ? {} : { details }),
  })

const logic = (doc: string) =>
  list({ roles: allRoles, type: string({ expected: 'a value' }), isDirective: true, doc })
const endLogic = (doc: string) =>
  list({ roles: allRoles, type: optionalString('nothing'), isDirective: true, doc })

export const configLogicOptions = defineOptions('Config files and config logic', {
  ini: include(
    'Load an ini file here (FILE or FILE:SECTION); its options are spliced in at this point',
    'Relative paths are taken from the directory of the file that names them. Includes may nest; a cycle is an error.',
  ),
  json: include('Load a JSON config file here (FILE or FILE:SECTION)'),
  yaml: {
    ...include('Load a YAML config file here (FILE or FILE:SECTION)'),
    aliases: ['yml'],
  },
  config: include('Load a config file here, its format told by its extension'),
  include: include('Load a config file here, like `ini` but for any format'),
  inherit: include(
    'Load a config file at the end, after everything else; no $(), @() or %() expansion inside it',
    'As in uWSGI: its options are applied last, so they win over single-valued options of the file that names it. ' +
      'Magic variables (`%n`, `%d` …) still work inside it.',
  ),
  set: list({
    roles: allRoles,
    type: namedValue('name', 'value'),
    isDirective: true,
    doc: 'Set an option (or define a placeholder) by name: `set = processes=4`',
  }),
  'set-placeholder': list({
    aliases: ['set-ph'],
    roles: allRoles,
    type: namedValue('name', 'value'),
    isDirective: true,
    doc: 'Define a placeholder for %(name); refuses the names of options',
  }),
  strict: one({
    roles: allRoles,
    type: boolean(),
    default: false,
    doc: 'Make uWSGI options that tsgi does not implement an error instead of a warning',
  }),
  'if-env': logic('Apply the lines up to `endif` only if the environment variable (or VAR=value) is set'),
  'if-not-env': logic('Apply the lines up to `endif` only if the environment variable is not set'),
  'if-exists': logic('Apply the lines up to `endif` only if the path exists'),
  'if-not-exists': logic('Apply the lines up to `endif` only if the path does not exist'),
  'if-file': logic('Apply the lines up to `endif` only if the path is a regular file'),
  'if-not-file': logic('Apply the lines up to `endif` only if the path is not a regular file'),
  'if-dir': {
    ...logic('Apply the lines up to `endif` only if the path is a directory'),
    aliases: ['if-directory'],
  },
  'if-not-dir': logic('Apply the lines up to `endif` only if the path is not a directory'),
  'if-opt': logic('Apply the lines up to `endif` only if the option (or option=value) was set above'),
  'if-not-opt': logic('Apply the lines up to `endif` only if the option was not set above'),
  'if-hostname': logic('Apply the lines up to `endif` only if the host name is the given one'),
  'if-not-hostname': logic('Apply the lines up to `endif` only if the host name is not the given one'),
  endif: { ...endLogic('End an if-* block'), aliases: ['end-if'] },
  for: logic('Repeat the lines up to `endfor` for each space-separated word, as %(_)'),
  'for-glob': logic('Repeat the lines up to `endfor` for each path matching the glob, as %(_)'),
  'for-times': logic('Repeat the lines up to `endfor` N times, with %(_) from 1 to N'),
  'for-readline': logic('Repeat the lines up to `endfor` for each line of the file, as %(_)'),
  endfor: { ...endLogic('End a for block'), aliases: ['end-for'] },
})
