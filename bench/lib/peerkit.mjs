// The peerkit under test: the built `dist/` of this repository, or the snapshot run-all.mjs makes of it
// (BENCH_PEERKIT_DIST), so that a rebuild during a long run cannot mix two builds in one set of figures.
import "reflect-metadata";

const url = process.env.BENCH_PEERKIT_DIST ? new URL(`file://${process.env.BENCH_PEERKIT_DIST}/index.js`) : new URL("../../dist/index.js", import.meta.url);
export const peerkit = await import(url.href);
/** The directory of the build under test, as a URL ending in "/". */
export const peerkitDir = new URL(".", url);
