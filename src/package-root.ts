/**
 * The package's root directory as a URL, for files shipped beside the code (the wasm build,
 * package.json). A module at `src/<layer>/x.ts` runs from source two levels below the root, and
 * from `dist/src/<layer>/x.js` three levels below it; `here` is the calling module's
 * `import.meta.url`, which must be such a module.
 */
export function packageRoot(here: string): URL {
  const twoUp = new URL('../../', here);
  return twoUp.pathname.endsWith('/dist/') ? new URL('../', twoUp) : twoUp;
}
