import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Catalog } from './catalog.js';

/** Catalog files from this size on are worth a thread: parsing 512 KiB here takes a few ms. */
export const CATALOG_OFF_THREAD_BYTES = 512 * 1024;

const NOT_A_CATALOG = 'catalog.json is not {version, titles: [], series: []}';

/** Titles per message from the parsing thread: each takes the event loop a few ms to receive. */
const CHUNK = 500;

/**
 * The parsing thread, as plain CommonJS so it runs the same from src/ (tsx) and dist/: reads the
 * file, parses it, and posts its titles and series in chunks, then `done` (or `error`).
 */
const PARSER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
try {
  const c = JSON.parse(readFileSync(workerData.file, 'utf8'));
  if (typeof c !== 'object' || c === null || !Array.isArray(c.titles) || !Array.isArray(c.series)) throw new Error(workerData.notACatalog);
  for (let i = 0; i < c.titles.length; i += workerData.chunk) parentPort.postMessage({ titles: c.titles.slice(i, i + workerData.chunk) });
  for (let i = 0; i < c.series.length; i += workerData.chunk) parentPort.postMessage({ series: c.series.slice(i, i + workerData.chunk) });
  parentPort.postMessage({ done: true, version: c.version });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message || err) });
}
`;

/**
 * Reads and parses `catalog.json` without holding the event loop: a file of at least
 * `offThreadBytes` is parsed on a worker thread and its entries arrive in chunks of CHUNK, each
 * received in its own turn of the loop (a 30,000-title catalog is ~11 MB: a few hundred ms of
 * JSON.parse that requests would otherwise wait behind). Smaller files are parsed here. Rejects
 * on unreadable or malformed JSON; the caller validates the entries. The worker ends with the read.
 */
export async function readCatalogFile(file: string, sizeBytes: number, offThreadBytes = CATALOG_OFF_THREAD_BYTES): Promise<Catalog> {
  if (sizeBytes < offThreadBytes) {
    const c = JSON.parse(await readFile(file, 'utf8')) as Partial<Catalog> | null;
    if (typeof c !== 'object' || c === null || !Array.isArray(c.titles) || !Array.isArray(c.series)) throw new SyntaxError(NOT_A_CATALOG);
    return c as Catalog;
  }
  const titles: Catalog['titles'] = [];
  const series: Catalog['series'] = [];
  return new Promise((resolve, reject) => {
    const worker = new Worker(PARSER, { eval: true, workerData: { file, chunk: CHUNK, notACatalog: NOT_A_CATALOG } });
    let settled = false;
    const finish = (err: Error | null, catalog?: Catalog): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (err) reject(err);
      else resolve(catalog as Catalog);
    };
    worker.on('message', (m: { titles?: Catalog['titles']; series?: Catalog['series']; done?: boolean; version?: number; error?: string }) => {
      if (m.titles) for (const t of m.titles) titles.push(t);
      else if (m.series) for (const s of m.series) series.push(s);
      else if (m.error !== undefined) finish(new SyntaxError(m.error));
      else if (m.done) finish(null, { version: m.version as 1, titles, series });
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`catalog parser exited (${code}) before it finished`)));
  });
}
