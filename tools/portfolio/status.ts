import type { PortfolioRecord } from './inventory';

/**
 * How a model stands in one environment, for the grid's colours: `alarm` needs someone now, `attention` soon,
 * `ok` runs as it should, `idle` has nothing deployed or registered yet.
 */
export type Status = 'alarm' | 'attention' | 'ok' | 'idle';

export const STATUS_ORDER: readonly Status[] = ['alarm', 'attention', 'ok', 'idle'];

/** The status of a record with every reason for it, the worst first. */
export function statusOf(r: PortfolioRecord): { readonly status: Status; readonly reasons: readonly string[] } {
  const alarm: string[] = [];
  const attention: string[] = [];
  if (r.drift === 'ALARM') alarm.push('drift or quality alarm');
  else if (r.alarm === 'ALARM') alarm.push('alarm');
  if (r.training?.value.status === 'Failed') alarm.push('last training run failed');
  const rollout = r.lastRollout?.value.outcome;
  if (rollout && !/^succeeded$/i.test(rollout)) alarm.push(`last rollout ${rollout}`);
  const endpoint = r.endpoint?.value.status;
  if (endpoint === 'Failed' || endpoint === 'OutOfService') alarm.push(`endpoint ${endpoint}`);

  if (r.alarm === 'INSUFFICIENT_DATA') attention.push('alarm without data');
  if (endpoint && endpoint !== 'InService' && endpoint !== 'Failed' && endpoint !== 'OutOfService') {
    attention.push(`endpoint ${endpoint}`);
  }
  const served = r.served?.value.version;
  if (r.approvedVersion !== undefined && served !== undefined && r.approvedVersion > served) {
    attention.push(`v${r.approvedVersion} approved, v${served} served`);
  }
  if (!r.owner) attention.push('no owner');
  if (r.lifecycle === 'retired' && endpoint === 'InService') attention.push('retired but still served');

  if (alarm.length > 0) return { status: 'alarm', reasons: [...alarm, ...attention] };
  if (r.registeredVersion === undefined && served === undefined && r.training === undefined) {
    return { status: 'idle', reasons: ['nothing trained or deployed yet', ...attention] };
  }
  if (attention.length > 0) return { status: 'attention', reasons: attention };
  return { status: 'ok', reasons: [] };
}

/** A number of money, as the report prints it. */
export function money(amount: number, currency: string): string {
  return `${currency === 'USD' ? '$' : `${currency} `}${amount.toFixed(2)}`;
}
