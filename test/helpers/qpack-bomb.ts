// Run by test/abuse-h3.test.ts in its own process, so the attacking QUIC library's work (one
// datagram per JavaScript call) does not share the event loop of the server and the
// well-behaved client it measures. Inserts one 3,900-byte dynamic-table entry, then sends
// `count` field sections of 1,000 one-byte references to it (3.9 MB each once decoded), 20 at a
// time. Prints `bombing` when the bombs start, then one JSON line: how many got which status (or error).
// Usage: node --import tsx qpack-bomb.ts PORT CA_FILE COUNT
import { readFileSync } from 'node:fs';
import { encoderInstruction, getFieldSection, rawH3 } from './raw-h3.js';

const [port, caFile, count] = process.argv.slice(2) as [string, string, string];
const attacker = await rawH3(Number(port), readFileSync(caFile));
await attacker.encoder(Buffer.concat([encoderInstruction.setCapacity(4096), encoderInstruction.insertLiteral('x-bomb', 'a'.repeat(3900))]));
const outcomes: Record<string, number> = {};
const one = await attacker.request(getFieldSection('/healthz', { requiredInsertCount: 1, dynamicRefs: 1 }));
const bomb = getFieldSection('/healthz', { requiredInsertCount: 1, dynamicRefs: 1000 });
process.stdout.write('bombing\n');
for (let sent = 0; sent < Number(count); sent += 20) {
  const replies = await Promise.all(Array.from({ length: Math.min(20, Number(count) - sent) }, () => attacker.request(bomb)));
  for (const r of replies) {
    const key = r.status ? String(r.status) : `error ${r.error}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
}
process.stdout.write(`${JSON.stringify({ oneReference: one.status ?? one.error, outcomes })}\n`);
await attacker.close();
process.exit(0);
