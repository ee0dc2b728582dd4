/** Inline SVG charts: no script, no external file, so the report stays one self-contained page. */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { readonly at: string; readonly value: number }[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly series: readonly Series[];
  /** How a value prints on the axis. */
  readonly format?: (value: number) => string;
  /** A horizontal line, such as a threshold. */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly width?: number;
  readonly height?: number;
}

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A line chart of one or more series over time, with its value range, first and last date, and a legend. A chart
 * without points says so instead of drawing empty axes.
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 320;
  const height = options.height ?? 140;
  const format = options.format ?? ((v: number) => String(Math.round(v * 1000) / 1000));
  const pad = { left: 44, right: 10, top: 22, bottom: 30 };
  const title = `<text x="${pad.left}" y="14" class="chart-title">${escapeHtml(options.title)}</text>`;
  const series = options.series.filter((s) => s.points.length > 0);
  const open = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${escapeHtml(options.title)}</title>`;
  if (series.length === 0) {
    return `${open}${title}<text x="${width / 2}" y="${height / 2 + 6}" text-anchor="middle" class="chart-empty">no data yet</text></svg>`;
  }
  const times = series.flatMap((s) => s.points.map((p) => Date.parse(p.at)));
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  if (options.reference) values.push(options.reference.value);
  let [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [v0, v1] = [Math.min(...values), Math.max(...values)];
  if (t0 === t1) [t0, t1] = [t0 - 3_600_000, t1 + 3_600_000];
  if (v0 === v1) [v0, v1] = [v0 - Math.abs(v0 || 1) * 0.1, v1 + Math.abs(v1 || 1) * 0.1];
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (t: number) => round(pad.left + ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => round(pad.top + (1 - (v - v0) / (v1 - v0)) * plotH);
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const parts: string[] = [open, title];
  parts.push(
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" class="chart-frame"/>`,
    `<text x="${pad.left - 4}" y="${pad.top + 4}" text-anchor="end" class="chart-axis">${escapeHtml(format(v1))}</text>`,
    `<text x="${pad.left - 4}" y="${pad.top + plotH}" text-anchor="end" class="chart-axis">${escapeHtml(format(v0))}</text>`,
    `<text x="${pad.left}" y="${height - 16}" class="chart-axis">${day(t0)}</text>`,
    `<text x="${pad.left + plotW}" y="${height - 16}" text-anchor="end" class="chart-axis">${day(t1)}</text>`,
  );
  if (options.reference) {
    const ry = y(options.reference.value);
    parts.push(
      `<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${ry}" y2="${ry}" class="chart-reference"/>`,
      `<text x="${pad.left + plotW - 2}" y="${ry - 3}" text-anchor="end" class="chart-axis">${escapeHtml(options.reference.label)}</text>`,
    );
  }
  let legendX = pad.left;
  for (const s of series) {
    const sorted = [...s.points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const coords = sorted.map((p) => `${x(Date.parse(p.at))},${y(p.value)}`);
    parts.push(
      `<polyline points="${coords.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2" class="chart-line"/>`,
      ...sorted.map(
        (p) =>
          `<circle cx="${x(Date.parse(p.at))}" cy="${y(p.value)}" r="2.5" fill="${s.color}"><title>${escapeHtml(`${s.name} ${p.at}: ${format(p.value)}`)}</title></circle>`,
      ),
      `<rect x="${legendX}" y="${height - 10}" width="8" height="8" fill="${s.color}"/>`,
      `<text x="${legendX + 11}" y="${height - 2}" class="chart-axis">${escapeHtml(s.name)}</text>`,
    );
    legendX += 16 + s.name.length * 6.5;
  }
  parts.push('</svg>');
  return parts.join('');
}
