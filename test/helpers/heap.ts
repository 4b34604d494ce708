import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
/** The collector, exposed for this process (memory tests compare heap after a forced GC). */
export const gc = vm.runInNewContext('gc') as () => void;

/** Heap in use after two forced collections (the second takes what the first's finalizers freed). */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
