import type { PortfolioRecord } from '../../../lambda/portfolio-inventory/reducer';
import { InventoryStore } from '../../../lambda/portfolio-inventory/store';
import { applyEvent } from '../../../lambda/portfolio-inventory/update';
import {
  alarmEvent,
  CATALOG,
  endpointEvent,
  inMemoryTable,
  packageEvent,
  pipelineEvent,
  platformEvent,
} from './fixtures';

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A day in the life of churn in test and prod, and of churn-v2 in dev. */
function history() {
  return [
    pipelineEvent('test', 'churn', 'run-1', 'Executing', '2026-11-01T03:00:00Z', '2026-11-01T03:00:05Z', 'schedule'),
    pipelineEvent('test', 'churn', 'run-1', 'Succeeded', '2026-11-01T03:00:00Z', '2026-11-01T03:40:00Z', 'schedule'),
    packageEvent('test', 'churn', 1, 'PendingManualApproval', '2026-11-01T03:39:00Z'),
    platformEvent('Promotion Verdict', 'test', 'churn', '2026-11-01T03:45:00Z', {
      decision: 'promote',
      reason: 'no champion yet; auc 0.81 >= threshold 0.75',
      modelPackageVersion: 1,
      metric: 'auc',
      challenger: { score: 0.81 },
    }),
    packageEvent('test', 'churn', 1, 'Approved', '2026-11-01T03:46:00Z'),
    endpointEvent('test', 'churn', 'Updating', '2026-11-01T03:50:00Z'),
    endpointEvent('test', 'churn', 'InService', '2026-11-01T04:02:00Z'),
    platformEvent('Rollout Outcome', 'test', 'churn', '2026-11-01T04:03:00Z', {
      outcome: 'succeeded',
      modelPackageVersion: 1,
    }),
    alarmEvent('test', 'churn', 'feature-drift', 'ALARM', '2026-11-03T10:00:00Z', [0.11, 0.18, 0.31]),
    platformEvent('Retraining Decision', 'test', 'churn', '2026-11-03T10:01:00Z', {
      decision: 'start',
      reason: 'drift',
    }),
    pipelineEvent('test', 'churn', 'run-2', 'Executing', '2026-11-03T10:02:00Z', '2026-11-03T10:02:03Z', 'drift'),
    pipelineEvent('test', 'churn', 'run-2', 'Succeeded', '2026-11-03T10:02:00Z', '2026-11-03T10:50:00Z', 'drift'),
    packageEvent('test', 'churn', 2, 'PendingManualApproval', '2026-11-03T10:49:00Z'),
    platformEvent('Promotion Verdict', 'test', 'churn', '2026-11-03T10:55:00Z', {
      decision: 'reject',
      reason: 'auc 0.80 does not beat the champion 0.81',
      modelPackageVersion: 2,
      metric: 'auc',
      challenger: { score: 0.8 },
    }),
    packageEvent('test', 'churn', 2, 'Rejected', '2026-11-03T10:56:00Z'),
    alarmEvent('test', 'churn', 'feature-drift', 'OK', '2026-11-04T10:00:00Z', [0.12]),
    alarmEvent('test', 'churn', 'model-quality', 'OK', '2026-11-04T11:00:00Z'),
    packageEvent('prod', 'churn', 1, 'Approved', '2026-11-02T09:00:00Z'),
    platformEvent('Rollout Outcome', 'prod', 'churn', '2026-11-02T09:30:00Z', {
      outcome: 'succeeded',
      modelPackageVersion: 1,
    }),
    alarmEvent('prod', 'churn', 'latency-p99', 'ALARM', '2026-11-05T12:00:00Z'),
    // an older run's last status arrives after a newer run started: the newer run stays the last training run
    pipelineEvent('dev', 'churn-v2', 'run-b', 'Executing', '2026-11-06T08:00:00Z', '2026-11-06T08:00:01Z', 'manual'),
    pipelineEvent('dev', 'churn-v2', 'run-a', 'Failed', '2026-11-06T07:00:00Z', '2026-11-06T08:10:00Z', 'new-data'),
  ];
}

async function fold(events: readonly unknown[]) {
  const table = inMemoryTable();
  const store = new InventoryStore(table.client, 'inventory');
  for (const event of events) await applyEvent(event, { catalog: CATALOG, store });
  table.mock.restore();
  // the revision counts writes, which depends on the order; the records must not
  return [...table.items.values()]
    .map(({ revision: _revision, ...record }) => record as unknown as PortfolioRecord)
    .sort((a, b) => `${a.model}|${a.environment}`.localeCompare(`${b.model}|${b.environment}`));
}

describe('portfolio inventory replay', () => {
  test('GIVEN the events in order WHEN folded THEN each record says what happened', async () => {
    // GIVEN
    const events = history();

    // WHEN
    const records = await fold(events);

    // THEN one record per model and environment
    expect(records.map((r) => `${r.model}/${r.environment}`)).toEqual(['churn-v2/dev', 'churn/prod', 'churn/test']);
    const test = records.find((r) => r.model === 'churn' && r.environment === 'test');
    expect(test).toMatchObject({
      owner: 'ml-team@example.com',
      lifecycle: 'active',
      registeredVersion: 2,
      approvedVersion: 1,
      served: { value: { outcome: 'succeeded', version: 1 } },
      verdict: { value: { decision: 'reject', version: 2, score: 0.8 } },
      training: { value: { status: 'Succeeded', triggerReason: 'drift' } },
      retraining: { value: { decision: 'start', reason: 'drift' } },
      endpoint: { value: { status: 'InService' } },
      drift: 'OK',
      alarm: 'OK',
    });
    expect(test?.trends.metric.map((p) => p.value)).toEqual([0.81, 0.8]);
    expect(test?.trends.drift.map((p) => p.value)).toEqual([0.11, 0.18, 0.31, 0.12]);
    const prod = records.find((r) => r.environment === 'prod');
    expect(prod).toMatchObject({ approvedVersion: 1, alarm: 'ALARM', drift: 'none' });
    const dev = records.find((r) => r.model === 'churn-v2');
    expect(dev?.training).toMatchObject({
      value: { executionArn: expect.stringMatching(/run-b$/), status: 'Executing' },
    });
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'GIVEN the events shuffled (seed %i) and some delivered twice WHEN folded THEN the records are those of the ordered run',
    async (seed) => {
      // GIVEN
      const events = history();
      const duplicated = [...events, ...events.filter((_, i) => (i + seed) % 3 === 0)];

      // WHEN
      const expected = await fold(events);
      const actual = await fold(shuffled(duplicated, seed));

      // THEN
      expect(actual).toEqual(expected);
    },
  );

  test('GIVEN every event delivered twice in reverse order WHEN folded THEN the records are those of the ordered run', async () => {
    // GIVEN
    const events = history();

    // WHEN
    const expected = await fold(events);
    const actual = await fold([...events, ...events].reverse());

    // THEN
    expect(actual).toEqual(expected);
  });
});
