/** A daily local-time window such as 02:00-06:00 (may wrap past midnight, e.g. 22:00-04:00). */
export interface FillWindow {
  startMin: number;
  endMin: number;
}

export function parseFillWindow(text: string): FillWindow {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`--window must be HH:MM-HH:MM, got "${text}"`);
  const [, h1, m1, h2, m2] = m.map(Number) as [number, number, number, number, number];
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59) throw new Error(`--window has an invalid time: "${text}"`);
  return { startMin: h1 * 60 + m1, endMin: h2 * 60 + m2 };
}

/** Whether local time `now` lies inside the window. */
export function insideWindow(w: FillWindow, now: Date): boolean {
  const t = now.getHours() * 60 + now.getMinutes();
  return w.startMin <= w.endMin ? t >= w.startMin && t < w.endMin : t >= w.startMin || t < w.endMin;
}
