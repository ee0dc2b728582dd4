import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  metricDataRequest,
  monthStart,
  trainingInstanceHours,
  windowsOf,
} from '../../../lambda/retraining-trigger/evidence';
import {
  decideLoop,
  type EvidenceSource,
  type LoopPolicy,
  loopPolicyProblems,
} from '../../../lambda/retraining-trigger/loop';
import { PLATFORM_EVENT_SOURCE, RETRAINING_DECISION_EVENT } from '../../../lambda/retraining-trigger/loop-runner';
import { PROMOTION_VERDICT_EVENT } from '../../../lambda/retraining-trigger/outcome';
import {
  DRIFT_METRICS,
  PLATFORM_EVENT_TYPES,
  PLATFORM_EVENT_SOURCE as VOCABULARY_SOURCE,
} from '../../../lib/vocabulary';

const POLICY: LoopPolicy = {
  violatingWindows: 2,
  windows: 5,
  windowMinutes: 60,
  minSamples: 100,
  cooldownMinutes: 60,
  maxRunsPerMonth: 4,
  maxTrainingInstanceHoursPerMonth: 24,
};
const SOURCE: EvidenceSource = {
  violations: [
    {
      id: 'drift',
      reason: 'drift',
      namespace: 'MLOps/ModelDrift',
      metricName: 'DataDrift',
      dimensions: { Environment: 'dev', Model: 'churn' },
      stat: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    },
  ],
  samples: {
    id: 'samples',
    namespace: 'MLOps/ModelDrift',
    metricName: 'Samples',
    dimensions: { Environment: 'dev', Model: 'churn' },
    stat: 'Sum',
  },
};
const NOW = new Date('2026-12-07T12:05:00Z');
const BUDGET = { month: '2026-12', runs: 0, trainingInstanceHours: 0 };
const window = (hoursAgo: number, drift: number, samples = 500) => ({
  time: new Date(Date.UTC(2026, 11, 7, 12 - hoursAgo)).toISOString(),
  values: { drift },
  samples,
});

describe('decideLoop', () => {
  test('GIVEN the violations are older than the newest M windows THEN they do not count', () => {
    const windows = [window(0, 0), window(1, 0), window(2, 0), window(3, 0), window(4, 0), window(5, 1), window(6, 1)];
    const decision = decideLoop({ windows, source: SOURCE, policy: POLICY, state: {}, budget: BUDGET, now: NOW });
    expect(decision).toMatchObject({ action: 'suppress', reason: 'insufficient-evidence' });
    expect(decision.evidence.windows).toHaveLength(5);
  });

  test('GIVEN N of M violate and the budget is left THEN it starts for drift, with the budget left in the evidence', () => {
    const decision = decideLoop({
      windows: [window(0, 1), window(2, 1)],
      source: SOURCE,
      policy: POLICY,
      state: {},
      budget: { ...BUDGET, runs: 1, trainingInstanceHours: 2.5 },
      now: NOW,
    });
    expect(decision).toMatchObject({ action: 'start', reason: 'drift' });
    expect(decision.evidence.budget).toMatchObject({ runsLeft: 3, trainingInstanceHoursLeft: 21.5 });
  });

  test('GIVEN a source without sample counts (Model Monitor) THEN every violating window counts', () => {
    const source: EvidenceSource = { violations: SOURCE.violations };
    const decision = decideLoop({
      windows: [window(0, 1, 0), window(1, 1, 0)],
      source,
      policy: POLICY,
      state: {},
      budget: BUDGET,
      now: NOW,
    });
    expect(decision.action).toBe('start');
  });

  test('GIVEN an expired claim THEN it does not hold the start back', () => {
    const state = { claim: { token: 't', until: '2026-12-07T12:00:00Z' } };
    const decision = decideLoop({
      windows: [window(0, 1), window(1, 1)],
      source: SOURCE,
      policy: POLICY,
      state,
      budget: BUDGET,
      now: NOW,
    });
    expect(decision.action).toBe('start');
  });

  test('policy problems name the field and the value', () => {
    expect(loopPolicyProblems({ ...POLICY, violatingWindows: 6 })).toEqual([
      'violatingWindows (6) must be at most windows (5)',
    ]);
    expect(loopPolicyProblems({ ...POLICY, maxRunsPerMonth: 0 })).toEqual([
      'maxRunsPerMonth must be a whole number of at least 1, got 0',
    ]);
  });
});

describe('evidence', () => {
  test('GetMetricData asks for M + 1 windows of the contract, one period per window', () => {
    const request = metricDataRequest(SOURCE, POLICY, NOW);
    expect(request).toMatchObject({ EndTime: NOW.getTime() / 1000, StartTime: NOW.getTime() / 1000 - 6 * 3600 });
    expect(request.MetricDataQueries).toEqual([
      expect.objectContaining({ Id: 'drift', MetricStat: expect.objectContaining({ Period: 3600, Stat: 'Maximum' }) }),
      expect.objectContaining({ Id: 'samples' }),
    ]);
  });

  test('results become one window per timestamp', () => {
    expect(
      windowsOf([
        { Id: 'drift', Timestamps: [1_700_000_000], Values: [1] },
        { Id: 'samples', Timestamps: [1_700_000_000], Values: [250] },
      ]),
    ).toEqual([{ time: new Date(1_700_000_000_000).toISOString(), values: { drift: 1 }, samples: 250 }]);
  });

  test('instance-hours: billable seconds times instances, or the run time of a running job', () => {
    expect(trainingInstanceHours({ BillableTimeInSeconds: 7200, ResourceConfig: { InstanceCount: 3 } }, NOW)).toBe(6);
    expect(trainingInstanceHours({ TrainingStartTime: new Date('2026-12-07T11:05:00Z') }, NOW)).toBe(1);
    expect(monthStart(NOW).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('the contracts the function and the job share with lib/vocabulary.ts', () => {
  test('the platform event source and the retraining decision type', () => {
    expect(PLATFORM_EVENT_SOURCE).toBe(VOCABULARY_SOURCE);
    expect(RETRAINING_DECISION_EVENT).toBe(PLATFORM_EVENT_TYPES.retrainingDecision);
    expect(PROMOTION_VERDICT_EVENT).toBe(PLATFORM_EVENT_TYPES.promotionVerdict);
  });

  test('the drift job (ml/mlops_shared/drift.py) publishes exactly the names of DRIFT_METRICS', () => {
    const python = readFileSync(path.join(__dirname, '..', '..', '..', 'ml', 'mlops_shared', 'drift.py'), 'utf8');
    expect(/^NAMESPACE = "([^"]+)"$/m.exec(python)?.[1]).toBe(DRIFT_METRICS.namespace);
    const block = /^METRICS = \{([\s\S]*?)^\}/m.exec(python)?.[1] ?? '';
    const names = Object.fromEntries([...block.matchAll(/"(\w+)": "(\w+)"/g)].map((m) => [m[1], m[2]]));
    expect(names).toEqual(DRIFT_METRICS.names);
    const dimensions = /^DIMENSIONS = \{([^}]*)\}/m.exec(python)?.[1] ?? '';
    expect(Object.fromEntries([...dimensions.matchAll(/"(\w+)": "(\w+)"/g)].map((m) => [m[1], m[2]]))).toEqual(
      DRIFT_METRICS.dimensions,
    );
  });
});
