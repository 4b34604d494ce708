import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** IPC message types between a worker that was scraped and the primary that aggregates. */
const SCRAPE_REQUEST = 'h3edge:scrape';
const SCRAPE_RESPONSE = 'h3edge:scrape-result';
const SCRAPE_TIMEOUT_MS = 3000;

interface ScrapeMessage {
  type?: string;
  id?: number;
  text?: string;
  error?: string;
}

/**
 * In a worker: `/metrics` for the whole node. The worker offers its registry to the primary's
 * aggregation (prom-client's cluster protocol) and asks the primary for the sum over all
 * workers, since a scrape lands on whichever worker accepted the connection.
 */
export function clusterScrape(local: Registry): () => Promise<string> {
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  AggregatorRegistry.setRegistries([local]);
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  process.on('message', (m: ScrapeMessage) => {
    if (m?.type !== SCRAPE_RESPONSE || m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.text ?? '');
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer the scrape'));
      }, SCRAPE_TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      process.send?.({ type: SCRAPE_REQUEST, id });
    });
}

/**
 * In the primary: answers workers' scrape requests with the aggregate of all workers' registries,
 * followed by the primary's own metrics (`own`, Prometheus text).
 */
export function serveClusterScrapes(own: () => Promise<string>): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: ScrapeMessage) => {
    if (m?.type !== SCRAPE_REQUEST) return;
    Promise.all([aggregator.clusterMetrics(), own()]).then(
      ([workers, primary]) => `${workers.trimEnd()}\n${primary}`,
    ).then(
      (text) => worker.send({ type: SCRAPE_RESPONSE, id: m.id, text }),
      (err: Error) => worker.send({ type: SCRAPE_RESPONSE, id: m.id, error: err.message }),
    );
  });
}
