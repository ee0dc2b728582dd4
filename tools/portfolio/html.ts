import { escapeHtml, lineChart, type Series } from './charts';
import type { Portfolio, PortfolioRecord } from './inventory';
import { money, STATUS_ORDER, type Status, statusOf } from './status';

/** The colour of each status in the grid, and of each environment's line in the charts. */
export const STATUS_COLOURS: Readonly<Record<Status, string>> = {
  alarm: '#c62828',
  attention: '#ef8f00',
  ok: '#2e7d32',
  idle: '#9e9e9e',
};
/** The grey of a retired model's cells and section: it keeps its records, but nothing of it should run. */
export const RETIRED_COLOUR = '#bdbdbd';
const ENVIRONMENT_COLOURS = ['#1565c0', '#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#37474f'];

const STATUS_LABELS: Readonly<Record<Status, string>> = {
  alarm: 'needs someone now',
  attention: 'needs attention',
  ok: 'healthy',
  idle: 'nothing deployed yet',
};

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:0 0 6px}
.meta{color:#616161;font-size:13px;margin-bottom:16px}
.summary{display:flex;gap:12px;margin:12px 0 20px}
.count{padding:8px 14px;border-radius:6px;color:#fff;font-weight:600;font-size:14px}
table.grid{border-collapse:separate;border-spacing:6px}
.grid th{font-size:13px;text-align:left;color:#424242;padding:4px 8px}
.grid td.cell{min-width:190px;padding:8px 10px;border-radius:6px;color:#fff;vertical-align:top;font-size:12px;line-height:1.45}
.grid td.none{background:#eeeeee;color:#757575}
.cell strong{font-size:14px}
.cell .why{opacity:.92}
.legend{display:flex;gap:16px;font-size:12px;margin:8px 0}
.legend span{display:inline-flex;align-items:center;gap:6px}
.swatch{width:12px;height:12px;border-radius:3px;display:inline-block}
.model{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:14px 16px;margin:14px 0}
.model .facts{font-size:12px;color:#424242;margin:0 0 8px}
.charts{display:flex;flex-wrap:wrap;gap:14px}
.chart-title{font-size:12px;font-weight:600;fill:#212121}
.chart-axis{font-size:10px;fill:#616161}
.chart-empty{font-size:12px;fill:#9e9e9e}
.chart-frame{fill:#fff;stroke:#e0e0e0}
.chart-reference{stroke:#c62828;stroke-dasharray:4 3}
.flag{background:#c62828;color:#fff;border-radius:4px;padding:1px 6px;font-size:11px;font-weight:600}
.tag{background:#757575;color:#fff;border-radius:4px;padding:1px 6px;font-size:11px}
.grid td.retired{color:#424242}
.model.retired{opacity:.6;background:#f0f0f0}
.cost-note{color:#8d6e63}
`;

/** The environments in the order they appear in the records (the records come sorted by the config's order). */
function environmentsOf(records: readonly PortfolioRecord[]): string[] {
  return [...new Set(records.map((r) => r.environment))];
}

function cell(r: PortfolioRecord | undefined): string {
  if (!r) return '<td class="cell none">not in this environment</td>';
  const { status, reasons } = statusOf(r);
  const retired = r.lifecycle === 'retired';
  const cost = r.cost?.value;
  const lines = [
    `<strong>${escapeHtml(status)}</strong>${retired ? ' · retired' : ''}`,
    `serves ${r.served?.value.version === undefined ? '-' : `v${r.served.value.version}`} · approved ${r.approvedVersion === undefined ? '-' : `v${r.approvedVersion}`} · registered ${r.registeredVersion === undefined ? '-' : `v${r.registeredVersion}`}`,
  ];
  if (r.verdict) lines.push(`verdict: ${escapeHtml(r.verdict.value.decision)}`);
  if (r.training) {
    const t = r.training.value;
    lines.push(`training: ${escapeHtml(t.status)}${t.triggerReason ? ` (${escapeHtml(t.triggerReason)})` : ''}`);
  }
  lines.push(`drift: ${escapeHtml(r.drift)} · alarms: ${escapeHtml(r.alarm)}`);
  lines.push(`cost: ${cost ? `${escapeHtml(money(cost.amount, cost.currency))} month to date` : 'no cost data'}`);
  if (reasons.length > 0) lines.push(`<span class="why">${escapeHtml(reasons.join('; '))}</span>`);
  const background = retired ? RETIRED_COLOUR : STATUS_COLOURS[status];
  return `<td class="cell status-${status}${retired ? ' retired' : ''}" data-status="${status}" style="background:${background}" data-lifecycle="${escapeHtml(r.lifecycle)}" title="${escapeHtml(`${r.model} in ${r.environment}: ${STATUS_LABELS[status]}`)}">${lines.join('<br>')}</td>`;
}

function modelSection(model: string, records: readonly PortfolioRecord[], environments: readonly string[]): string {
  const colour = (env: string) => ENVIRONMENT_COLOURS[environments.indexOf(env) % ENVIRONMENT_COLOURS.length] as string;
  const series = (pick: (r: PortfolioRecord) => Series['points']): Series[] =>
    records.map((r) => ({ name: r.environment, color: colour(r.environment), points: pick(r) }));
  const owners = [...new Set(records.map((r) => r.owner).filter((o): o is string => o !== undefined))];
  const lifecycle = [...new Set(records.map((r) => r.lifecycle))];
  const costs = records.filter((r) => r.cost);
  const currency = costs[0]?.cost?.value.currency ?? 'USD';
  const total = costs.reduce((sum, r) => sum + (r.cost?.value.amount ?? 0), 0);
  const metricName = records.find((r) => r.verdict?.value.metric)?.verdict?.value.metric ?? 'metric';
  const retired = isRetired(records);
  const facts = [
    `owner: ${owners.length > 0 ? escapeHtml(owners.join(', ')) : '<strong class="flag no-owner">no owner</strong>'}`,
    `lifecycle: ${escapeHtml(lifecycle.join(', '))}`,
    `cost month to date: ${costs.length > 0 ? `${escapeHtml(money(total, currency))}${costs.length < records.length ? ` (${costs.length} of ${records.length} environments)` : ''}` : 'no cost data'}`,
  ];
  return `<section class="model${retired ? ' retired' : ''}" id="model-${escapeHtml(model)}"><h3>${escapeHtml(model)}</h3><p class="facts">${facts.join(' · ')}</p><div class="charts">${[
    lineChart({ title: `${metricName} of each verdict's candidate`, series: series((r) => r.trends.metric) }),
    lineChart({ title: 'feature drift (alarm datapoints)', series: series((r) => r.trends.drift) }),
    lineChart({
      title: `spend per month (${currency})`,
      series: series((r) => r.trends.cost),
      format: (v) => money(v, currency),
    }),
  ].join('')}</div></section>`;
}

/** Whether every record of a model says it is retired. */
const isRetired = (records: readonly PortfolioRecord[]) =>
  records.length > 0 && records.every((r) => r.lifecycle === 'retired');

/** The row header of a model: its name, flagged when it has no owner, tagged when retired. */
function modelHeader(model: string, records: readonly PortfolioRecord[]): string {
  const flags = [
    ...(records.some((r) => r.owner) ? [] : ['<span class="flag no-owner">no owner</span>']),
    ...(isRetired(records) ? ['<span class="tag">retired</span>'] : []),
  ];
  return `<th><a href="#model-${escapeHtml(model)}">${escapeHtml(model)}</a>${flags.map((f) => ` ${f}`).join('')}</th>`;
}

/**
 * The portfolio as one self-contained HTML page: no script, no stylesheet, font or image from elsewhere. A grid of
 * models by environments coloured by status, then per model its metric, drift and cost trends as inline SVG charts.
 */
export function renderHtml(portfolio: Portfolio): string {
  const records = portfolio.records;
  const environments = environmentsOf(records);
  const models = [...new Set(records.map((r) => r.model))];
  const byKey = new Map(records.map((r) => [`${r.model}|${r.environment}`, r]));
  const counts = STATUS_ORDER.map((s) => [s, records.filter((r) => statusOf(r).status === s).length] as const);
  const title = `Model portfolio${portfolio.project ? ` of ${portfolio.project}` : ''}`;
  const grid =
    records.length === 0
      ? '<p id="portfolio-grid">No records yet: the inventory fills as the environments forward their models\' events.</p>'
      : `<table class="grid" id="portfolio-grid"><thead><tr><th>model</th>${environments.map((e) => `<th>${escapeHtml(e)}</th>`).join('')}</tr></thead><tbody>${models
          .map(
            (m) =>
              `<tr>${modelHeader(
                m,
                records.filter((r) => r.model === m),
              )}${environments.map((e) => cell(byKey.get(`${m}|${e}`))).join('')}</tr>`,
          )
          .join('')}</tbody></table>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${records.length} records of ${models.length} models in ${environments.length} environments, from ${escapeHtml(portfolio.source)}, read ${escapeHtml(portfolio.readAt)}</div>
${portfolio.costNote ? `<div class="meta cost-note" id="cost-note">${escapeHtml(portfolio.costNote)}</div>\n` : ''}<div class="summary">${counts.map(([s, n]) => `<span class="count" style="background:${STATUS_COLOURS[s]}">${n} ${escapeHtml(STATUS_LABELS[s])}</span>`).join('')}</div>
<h2>Models by environment</h2>
${grid}
<div class="legend">${STATUS_ORDER.map((s) => `<span><i class="swatch" style="background:${STATUS_COLOURS[s]}"></i>${escapeHtml(s)}: ${escapeHtml(STATUS_LABELS[s])}</span>`).join('')}</div>
<h2>Trends per model</h2>
${models
  .map((m) =>
    modelSection(
      m,
      records.filter((r) => r.model === m),
      environments,
    ),
  )
  .join('\n')}
</body>
</html>
`;
}
