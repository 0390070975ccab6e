// The peerkit under test: the built `dist/` of this repository, or the snapshot run-all.mjs makes of it
// (BENCH_PEERKIT_DIST), so that a rebuild during a long run cannot mix two builds in one set of figures.
import "reflect-metadata";

const url = process.env.BENCH_PEERKIT_DIST ? new URL(`file://${process.env.BENCH_PEERKIT_DIST}/index.js`) : new URL("../../dist/index.js", import.meta.url);
export const peerkit = await import(url.href);
/** The directory of the build under test, as a URL ending in "/". */
export const peerkitDir = new URL(".", url);
/** The secure room of the build under test (identities, TLS options, network keys, signing). */
export const secure = await import(new URL("secure/index.js", peerkitDir).href);
/** The TLS channel the composition root gives a secure node's TCP transport (not in the public API). */
export const { tlsChannel } = await import(new URL("secure/tls-channel.js", peerkitDir).href);
