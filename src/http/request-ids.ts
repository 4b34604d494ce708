/** Request ids unique within the process: a random run prefix and a counter per transport. */
export function requestIdSource(transport: string): () => string {
  const run = crypto.randomUUID().slice(0, 8);
  let n = 0;
  return () => `${run}-${transport}-${(++n).toString(36)}`;
}
