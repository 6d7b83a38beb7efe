// The CGI runtime (RFC 3875): workers that run an executable per request, as uWSGI's cgi plugin does.
import { duration, namedValue, path, string } from '../value-types.js'
import { defineOptions, list, one } from './define-options.js'

const worker = ['worker'] as const

export const cgiOptions = defineOptions('CGI runtime', {
  cgi: list({
    roles: worker,
    type: string({ expected: 'a directory or script, optionally as /mountpoint=directory' }),
    doc: 'Serve CGI scripts from this directory (or this one script), optionally under a URL prefix',
    details: 'Forms as in uWSGI: `cgi = /srv/cgi-bin` or `cgi = /cgi-bin=/srv/cgi-bin`. Repeatable.',
    plannedIn: 'later',
  }),
  'cgi-allowed-ext': list({
    roles: worker,
    type: string({ expected: 'a file name extension' }),
    doc: 'Run only scripts with this extension (repeatable; default: any executable file)',
    plannedIn: 'later',
  }),
  'cgi-helper': list({
    aliases: ['cgi-map-helper'],
    roles: worker,
    type: namedValue('extension', 'command'),
    isCommandLike: true,
    doc: 'Run scripts with this extension through a helper: `.php=php-cgi`',
    plannedIn: 'later',
  }),
  'cgi-index': list({
    roles: worker,
    type: string({ expected: 'a file name' }),
    doc: 'Script to run when a directory is requested, such as `index.cgi` (repeatable)',
    plannedIn: 'later',
  }),
  'cgi-timeout': one({
    roles: worker,
    type: duration({ plainUnit: 's' }),
    default: 60_000,
    doc: 'Kill a CGI script that has read or written nothing for this long',
    details: '60 s as in uWSGI.',
    plannedIn: 'later',
  }),
  'cgi-safe': list({
    roles: worker,
    type: path(),
    doc: 'Allow scripts whose real path (symlinks resolved) is under this directory, outside the CGI one',
    plannedIn: 'later',
  }),
})
