import { cpus, release } from 'node:os';

/** The machine a benchmark ran on, written into its JSON: kernel release, CPU count and model. */
export function machine(): { kernel: string; cpus: number; cpuModel: string } {
  const list = cpus();
  return { kernel: release(), cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown' };
}
