// Reads a running node's heap through its inspector (the process is started with
// --inspect=127.0.0.1:0): a full GC first, so the figure is what stays alive, not garbage.
import { WebSocket } from 'undici';

export interface HeapReading {
  /** V8 heap in use after a full collection. */
  heapUsedBytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (Buffers, mappings). */
  externalBytes: number;
}

/** One DevTools-protocol session to a process's inspector. */
export class Inspector {
  private next = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown };
      if (msg.id === undefined) return;
      this.pending.get(msg.id)?.(msg.result);
      this.pending.delete(msg.id);
    });
  }

  /** `url` is the ws:// address the process printed ("Debugger listening on …"). */
  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`inspector at ${url} refused the connection`)), { once: true });
    });
    return new Inspector(ws);
  }

  /** Forces a full garbage collection (twice: finalizers free more on the second) and reads the heap. */
  async heapAfterGc(): Promise<HeapReading> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const r = (await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    const usage = JSON.parse(r.result.value) as { heapUsed: number; external: number };
    return { heapUsedBytes: usage.heapUsed, externalBytes: usage.external };
  }

  close(): void {
    this.ws.close();
  }

  private call(method: string, params: object = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), 30_000);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
}
