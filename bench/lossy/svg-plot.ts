// A minimal line-chart writer: enough SVG for "median vs loss, one line per peer", no dependencies.

export interface Series {
  label: string;
  points: Array<[number, number]>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Rounds an axis maximum up to 1, 2 or 5 × 10^n so tick labels are readable. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) as number) * p;
}

/** Renders the series as an SVG document (h2 series dashed, so print in grey still tells them apart). */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const R = 400;
  const W = 640 + R;
  const H = Math.max(440, 70 + series.length * 18);
  const L = 70;
  const T = 40;
  const B = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const xMax = niceMax(Math.max(...xs, 0));
  const yMax = niceMax(Math.max(...ys, 0));
  const x = (v: number): number => L + ((W - L - R) * v) / xMax;
  const y = (v: number): number => H - B - ((H - T - B) * v) / yMax;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${L}" y="22" font-size="15">${esc(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const yv = (yMax * i) / 5;
    const xv = (xMax * i) / 5;
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(yv)}" y2="${y(yv)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${y(yv) + 4}" text-anchor="end">${Number(yv.toPrecision(3))}</text>`);
    out.push(`<text x="${x(xv)}" y="${H - B + 16}" text-anchor="middle">${Number(xv.toPrecision(3))}</text>`);
  }
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>`, `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const dash = / h2\b/.test(s.label) ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.filter((p) => Number.isFinite(p[1])).sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = T + 8 + i * 18;
    out.push(`<line x1="${W - R + 12}" x2="${W - R + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - R + 42}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}
