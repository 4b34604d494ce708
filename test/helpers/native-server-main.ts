// A NativeH3Server as a process of its own, for tests that put the server inside a network
// namespace (`ip netns exec <srv> node --import tsx native-server-main.ts OPTIONS.json`).
// Answers every request with BODY_BYTES of zeros, prints "ready <port>" once listening and one
// JSON line of the connection's statistics (and the server's Careful Resume counters) when a
// response stream closes. Ends on SIGTERM.
import { readFileSync } from 'node:fs';
import { NativeH3Server } from '../../src/native/quic-server.js';
import type { NativeRequest as NativeH3Request } from '../../src/native/quic-request.js';
import type { NativeH3ServerOptions } from '../../src/native/quic.js';

const opts = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as NativeH3ServerOptions & { bodyBytes: number };
const { bodyBytes, ...serverOpts } = opts;
const body = Buffer.alloc(bodyBytes);
const server = await NativeH3Server.listen(serverOpts);
server.on('request', (req: NativeH3Request) => {
  req.onClose((completed) => process.stdout.write(`${JSON.stringify({ path: req.path, completed, stats: req.connection.stats(), carefulResume: server.stats().carefulResume })}\n`));
  req.respond(200, [['content-length', String(body.length)]], body);
});
process.once('SIGTERM', () => void server.close({ graceMs: 0 }).then(() => process.exit(0)));
process.stdout.write(`ready ${server.address().port}\n`);
