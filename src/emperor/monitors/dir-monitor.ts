// `emperor = DIR`: the vassal files directly in one directory, named by their file name as in uWSGI.
//
// It is the glob `DIR/*` restricted to vassal files, so it shares GlobMonitor's scanning, settling and
// reporting; `DIR` itself is taken literally (no magic in it). What that gives, in this one directory:
// - one inotify watch on DIR, re-created whenever DIR turns out to be another directory than the one
//   watched (deleted and re-created, or a symlink swapped): every scan compares its dev:ino;
// - one more watch per symlinked vassal, on its target: `ln -s ~/app/vassal.ini DIR/` and then an edit
//   of ~/app/vassal.ini happens in ~/app, where DIR's watch sees nothing;
// - a Kubernetes ConfigMap (`x.ini -> ..data/x.ini`, `..data -> ..2026_…`) swaps `..data` by a rename
//   inside DIR, which DIR's watch sees; `..data` and the timestamped directories are dotfiles, ignored;
// - a missing DIR is an empty set and one log line, and is picked up by the rescan when it comes back.
import path from 'node:path'

import { GlobMonitor } from './glob-monitor.js'
import type { MonitorOptions } from './monitor.js'

export class DirMonitor extends GlobMonitor {
  constructor(dir: string, options: MonitorOptions) {
    // Every entry is a candidate; GlobMonitor keeps only vassal files (extension, no dotfiles or temp files).
    super({ base: path.resolve(dir), segments: [{ kind: 'pattern', test: () => true }], spec: dir }, options)
  }
}
