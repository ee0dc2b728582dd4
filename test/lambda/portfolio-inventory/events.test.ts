import { loadConfig } from '../../../lambda/portfolio-inventory/catalog';
import {
  alarmKind,
  datapoints,
  PLATFORM_EVENT_SOURCE,
  PLATFORM_EVENT_TYPES,
  parseName,
  readEvent,
} from '../../../lambda/portfolio-inventory/events';
import * as vocabulary from '../../../lib/vocabulary';
import { alarmEvent, CATALOG, PARTITION, packageEvent, pipelineEvent, platformEvent } from './fixtures';

describe('portfolio inventory events', () => {
  test("GIVEN the platform's vocabulary WHEN the function's copy is compared THEN they agree", () => {
    expect(PLATFORM_EVENT_SOURCE).toBe(vocabulary.PLATFORM_EVENT_SOURCE);
    expect(PLATFORM_EVENT_TYPES).toEqual(vocabulary.PLATFORM_EVENT_TYPES);
  });

  test('GIVEN the detail the gate (promotion.py) and the rollout state machine publish WHEN read THEN the version comes from the package ARN', () => {
    // GIVEN the fields mlops_shared/promotion.py and lib/constructs/model-rollout.ts put in their events
    const arn = `arn:${PARTITION}:sagemaker:eu-west-1:111111111111:model-package/mlops-dev-churn/7`;
    const verdict = platformEvent('Promotion Verdict', 'dev', 'churn', '2026-11-01T00:00:00Z', {
      modelPackageArn: arn,
      decision: 'approve',
      action: 'approve',
      mode: 'enabled',
      reason: 'auc 0.82 beats the champion 0.80 by 0.02',
      metric: 'auc',
      challengerScore: 0.82,
      championScore: 0.8,
      samples: 900,
    });
    const rollout = platformEvent('Rollout Outcome', 'dev', 'churn', '2026-11-01T01:00:00Z', {
      outcome: 'succeeded',
      modelPackageArn: arn,
      execution: `arn:${PARTITION}:states:eu-west-1:111111111111:execution:mlops-dev-churn-rollout:x`,
    });

    // WHEN / THEN
    expect(readEvent(verdict, CATALOG)).toMatchObject({
      ok: true,
      observation: { change: { kind: 'verdict', decision: 'approve', version: 7, metric: 'auc', score: 0.82 } },
    });
    expect(readEvent(rollout, CATALOG)).toMatchObject({
      ok: true,
      observation: { change: { kind: 'rollout', outcome: 'succeeded', version: 7, arn } },
    });
  });

  test('GIVEN names with hyphenated models WHEN parsed THEN the longest model of the catalog wins', () => {
    expect(parseName('mlops-dev-churn-v2-training', CATALOG)).toMatchObject({
      environment: { name: 'dev' },
      model: { name: 'churn-v2' },
      suffix: 'training',
    });
    expect(parseName('mlops-dev-churn-training', CATALOG)).toMatchObject({
      model: { name: 'churn' },
      suffix: 'training',
    });
    expect(parseName('mlops-staging-churn', CATALOG)).toBeUndefined();
    expect(parseName('other-dev-churn', CATALOG)).toBeUndefined();
  });

  test('GIVEN an event from an account that is not its environment WHEN read THEN it is ignored as wrong-account', () => {
    // GIVEN prod's model package group, reported from dev's account
    const event = { ...packageEvent('prod', 'churn', 1, 'Approved', '2026-11-01T00:00:00Z'), account: '111111111111' };

    // WHEN / THEN
    expect(readEvent(event, CATALOG)).toMatchObject({ ok: false, reason: 'wrong-account' });
  });

  test.each([
    ['not an event', 'malformed'],
    [
      { id: 'x', account: '111111111111', source: 'aws.s3', 'detail-type': 'Object Created', detail: {} },
      'unknown-type',
    ],
    [packageEvent('dev', 'fraud', 1, 'Approved', '2026-11-01T00:00:00Z'), 'unknown-model'],
    [platformEvent('Rollout Outcome', 'dev', 'churn', 'not a time', { outcome: 'succeeded' }), 'malformed'],
    [platformEvent('Promotion Verdict', 'dev', 'churn', '2026-11-01T00:00:00Z', {}), 'malformed'],
    [
      {
        ...platformEvent('Rollout Outcome', 'dev', 'churn', '2026-11-01T00:00:00Z', { outcome: 'ok' }),
        detail: {
          project: 'other',
          environment: 'dev',
          model: 'churn',
          eventTime: '2026-11-01T00:00:00Z',
          outcome: 'ok',
        },
      },
      'other-project',
    ],
  ])('GIVEN %j WHEN read THEN it is ignored as %s', (event, reason) => {
    expect(readEvent(event, CATALOG)).toMatchObject({ ok: false, reason });
  });

  test('GIVEN a pipeline execution with a description WHEN read THEN the description is its trigger reason', () => {
    const event = pipelineEvent(
      'test',
      'churn',
      'r',
      'Succeeded',
      '2026-11-01T03:00:00Z',
      '2026-11-01T03:30:00Z',
      'new-data: 3 objects',
    );
    expect(readEvent(event, CATALOG)).toMatchObject({
      ok: true,
      observation: {
        model: 'churn',
        environment: 'test',
        at: '2026-11-01T03:30:00.000Z',
        change: {
          kind: 'training',
          status: 'Succeeded',
          triggerReason: 'new-data: 3 objects',
          startedAt: '2026-11-01T03:00:00.000Z',
        },
      },
    });
  });

  test('GIVEN a drift alarm with recent datapoints WHEN read THEN its points are the trend, one per period', () => {
    const reading = readEvent(
      alarmEvent('prod', 'churn', 'feature-drift-2', 'ALARM', '2026-11-01T03:00:00Z', [0.1, 0.3]),
      CATALOG,
    );
    expect(reading).toMatchObject({
      ok: true,
      observation: {
        change: {
          kind: 'alarm',
          alarmKind: 'drift',
          datapoints: [
            { at: '2026-11-01T01:00:00.000Z', value: 0.1 },
            { at: '2026-11-01T02:00:00.000Z', value: 0.3 },
          ],
        },
      },
    });
    expect(alarmKind('model-quality')).toBe('quality');
    expect(alarmKind('5xx-errors')).toBe('operational');
    expect(datapoints('not json')).toEqual([]);
  });

  test('GIVEN a missing or bad catalog WHEN the config loads THEN every problem is named', () => {
    expect(() => loadConfig({})).toThrow('INVENTORY_TABLE_NAME is not set; PORTFOLIO_CATALOG is not set');
    expect(() =>
      loadConfig({ INVENTORY_TABLE_NAME: 't', PORTFOLIO_CATALOG: '{"project":"p","environments":[],"models":[]}' }),
    ).toThrow('environments: expected at least one environment');
    expect(loadConfig({ INVENTORY_TABLE_NAME: 't', PORTFOLIO_CATALOG: JSON.stringify(CATALOG) })).toMatchObject({
      tableName: 't',
      serviceName: 'portfolio-inventory',
    });
  });
});
