// The option keys the two seed pages write (shared/seeds/), in the order the pages write them.
export const seedVassalOptions = [
  'plugin',
  'uid',
  'gid',
  'socket',
  'chown-socket',
  'chmod-socket',
  'threads',
  'master',
  'processes',
  'autoload',
  'env',
  'module',
  'chdir',
  'virtualenv',
  'mount',
  'vacuum',
  'py-autoreload',
] as const

export const seedEmperorOptions = ['uid', 'gid', 'emperor-tyrant', 'cap', 'emperor'] as const
