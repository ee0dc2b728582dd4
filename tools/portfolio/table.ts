import type { Portfolio, PortfolioRecord } from './inventory';
import { money, statusOf } from './status';

const version = (v: number | undefined) => (v === undefined ? '-' : `v${v}`);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Months of the cost trend the table shows, the newest last. */
export const TABLE_TREND_MONTHS = 3;

/** The newest months of a record's cost trend, as `Oct 12.40 Nov 13.10 Dec 4.20`. */
export function monthlyTrend(r: PortfolioRecord): string {
  const points = [...r.trends.cost].sort((a, b) => a.at.localeCompare(b.at)).slice(-TABLE_TREND_MONTHS);
  if (points.length === 0) return '-';
  return points.map((p) => `${MONTHS[new Date(p.at).getUTCMonth()]} ${p.value.toFixed(2)}`).join(' ');
}

/** The columns of the table, one row per model and environment. */
export function tableRows(records: readonly PortfolioRecord[]): string[][] {
  return records.map((r) => {
    const { status } = statusOf(r);
    const training = r.training?.value;
    const cost = r.cost?.value;
    return [
      r.model,
      r.environment,
      status,
      version(r.served?.value.version),
      version(r.approvedVersion),
      version(r.registeredVersion),
      r.verdict
        ? `${r.verdict.value.decision}${r.verdict.value.version === undefined ? '' : ` ${version(r.verdict.value.version)}`}`
        : '-',
      training ? `${training.status}${training.triggerReason ? ` (${training.triggerReason})` : ''}` : '-',
      r.drift === 'none' ? '-' : r.drift,
      r.alarm === 'none' ? '-' : r.alarm,
      r.owner ?? 'NO OWNER',
      r.lifecycle,
      cost ? money(cost.amount, cost.currency) : 'no cost data',
      monthlyTrend(r),
    ];
  });
}

export const TABLE_HEADER = [
  'MODEL',
  'ENV',
  'STATUS',
  'SERVED',
  'APPROVED',
  'REGISTERED',
  'VERDICT',
  'LAST TRAINING (TRIGGER)',
  'DRIFT',
  'ALARMS',
  'OWNER',
  'LIFECYCLE',
  'COST MONTH TO DATE',
  'COST BY MONTH',
];

/** The portfolio as a plain-text table for the terminal. */
export function renderTable(portfolio: Portfolio): string {
  if (portfolio.records.length === 0) {
    return `No records in ${portfolio.source} yet: the inventory fills as the environments forward their models' events.\n`;
  }
  const rows = [TABLE_HEADER, ...tableRows(portfolio.records)];
  const widths = TABLE_HEADER.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const cost = portfolio.costNote ? `${portfolio.costNote}\n` : '';
  return `${rows.map(line).join('\n')}\n\n${portfolio.records.length} records from ${portfolio.source}, read ${portfolio.readAt}\n${cost}`;
}
