// Runs bench/cache's Caddy helper inside the namespace this process was started in
// (`ip netns exec <srv> node --import tsx caddy-in-netns.ts MEDIA PORT CERT KEY WORK`): prints
// "ready" once Caddy serves, stops it on SIGTERM/SIGINT.
import { startCaddy } from '../cache/servers.js';

const [media, port, cert, key, work] = process.argv.slice(2);
if (!media || !port || !cert || !key || !work) {
  process.stderr.write('usage: caddy-in-netns.ts MEDIA PORT CERT KEY WORK\n');
  process.exit(2);
}
const caddy = await startCaddy(media, Number(port), cert, key, work);
process.stdout.write(`ready ${caddy.pid}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void caddy.stop().then(() => process.exit(0)));
