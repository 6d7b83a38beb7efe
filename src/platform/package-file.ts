// Files of tsgi's own package (package.json, python/, build/Release/), found from this module's place: tsc
// emits it to dist/src/platform/ and scripts/bundle.ts puts every bundled module in dist/bundle/<folder>/,
// both three directories below the package root.
import { fileURLToPath } from 'node:url'

/** The absolute path of `relative` (slash-separated, from the package root). */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url))
}
