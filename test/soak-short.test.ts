import t from 'tap';
import { join } from 'node:path';
import { runSoak } from '../bench/soak/soak.js';
import { writeSoakReport } from '../bench/soak/report.js';
import { H3EDGE } from './helpers/run.js';
import { makeTestCerts } from './helpers/certs.js';
import { mediaWithDemoFilm } from './helpers/demo-title.js';
import { scratchDir } from './helpers/scratch.js';

// The short soak of `make test`: 100,000 HTTP/2 and 25,000 HTTP/3 requests (with HTTP/1.1, byte
// ranges, the playback API and artwork beside them) against a node in its own process, whose
// heap is read after a forced GC through its inspector. Per-request state that outlives its
// request shows as growth; `make soak` runs the long version.
t.test('heap after GC stays flat across 125,000 requests of mixed player traffic', async (t) => {
  const certs = makeTestCerts();
  const { dir } = mediaWithDemoFilm();
  const result = await runSoak({
    media: dir,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
    caFile: certs.caFile,
    durationMs: 240_000,
    untilRequests: { h2: 100_000, h3: 25_000 },
    sampleEveryMs: 5_000,
    plan: { h2: 25_000, http1: 3_000, ranges: 2_000, api: 1_000, h3: 6_250 },
    nodeCommand: [process.execPath, '--inspect=127.0.0.1:0', ...H3EDGE],
    log: (line) => t.comment(line),
  });
  await writeSoakReport(join(scratchDir('h3edge-soak-report-'), 'out'), { short: true }, result);
  const last = result.samples[result.samples.length - 1];
  const a = result.analysis;
  t.comment(`heap slope ${a.heapSlopeBytesPerRequest} bytes/request, growth after warm-up ${(a.heapGrowthBytes / 1e6).toFixed(2)} MB, RSS spread ${a.rssSpreadPercent} %`);
  t.ok((last?.requests.h2 ?? 0) >= 100_000 && (last?.requests.h3 ?? 0) >= 25_000, `all requests served (h2 ${last?.requests.h2}, h3 ${last?.requests.h3})`);
  t.ok(a.heapGrowthBytes < 20e6, `heap after GC grew ${(a.heapGrowthBytes / 1e6).toFixed(2)} MB after warm-up (< 20 MB)`);
  t.ok(a.openFdsMax < 200, `descriptors bounded (${a.openFdsMax} at most)`);
});
