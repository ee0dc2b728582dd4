import {
  isVerdictEvent,
  outcomeOf,
  parseVerdict,
  planJoin,
  screenVerdict,
  type Verdict,
} from '../../../lambda/retraining-trigger/outcome';
import { PARTITION } from './fixtures';

// The pure core of the outcome join: which verdicts the loop stores, what outcome a verdict is, and what to do with
// it once its execution's run record is stored.

const EXECUTION = `arn:${PARTITION}:sagemaker:us-east-1:111122223333:pipeline/mlops-dev-churn-training/execution/loop1`;
const VERDICT: Verdict = {
  id: 'v1',
  environment: 'dev',
  model: 'churn',
  eventTime: '2026-12-07T14:40:00+00:00',
  modelPackageArn: `arn:${PARTITION}:sagemaker:us-east-1:111122223333:model-package/mlops-dev-churn/7`,
  pipelineExecutionArn: EXECUTION,
  decision: 'approve',
  action: 'approved',
  reason: 'better than the champion by the required margins',
};

describe('GIVEN a verdict of the gate', () => {
  test.each([
    ['approved', 'promoted'],
    ['rejected', 'lost'],
    ['awaiting-approver', 'awaiting-approval'],
    ['recorded-only', 'recorded'],
  ])('WHEN the gate %s the version THEN the outcome is %s', (action, result) => {
    expect(outcomeOf({ ...VERDICT, action }).result).toBe(result);
  });

  test('WHEN it is of another model or environment, or names no execution THEN the loop stores nothing', () => {
    const own = { model: 'churn', environment: 'dev' };
    expect(screenVerdict(VERDICT, own)).toBeUndefined();
    expect(screenVerdict({ ...VERDICT, environment: 'prod' }, own)?.reason).toBe('foreign-verdict');
    expect(screenVerdict({ ...VERDICT, pipelineExecutionArn: undefined }, own)?.reason).toBe('no-execution');
  });

  test('WHEN its run record names no decision THEN it is kept; WHEN it names one THEN the first verdict is joined', () => {
    expect(planJoin(VERDICT, { executionArn: EXECUTION, outcome: outcomeOf(VERDICT) }).action).toBe('keep');
    const first = outcomeOf({ ...VERDICT, action: 'rejected', eventTime: '2026-12-07T14:00:00+00:00' });
    const plan = planJoin(VERDICT, {
      executionArn: EXECUTION,
      decisionKey: 'decision#churn#t#start-drift',
      outcome: first,
    });
    expect(plan).toMatchObject({ action: 'join', decisionKey: 'decision#churn#t#start-drift', superseded: true });
    expect(plan.action === 'join' && plan.outcome.result).toBe('lost');
  });

  test('WHEN the event is parsed THEN only a platform Promotion Verdict with its fields is one', () => {
    const event = { id: 'v1', source: 'mlops.platform', 'detail-type': 'Promotion Verdict', detail: { ...VERDICT } };
    expect(isVerdictEvent(event, 'mlops.platform')).toBe(true);
    expect(isVerdictEvent({ ...event, source: 'aws.sagemaker' }, 'mlops.platform')).toBe(false);
    expect(parseVerdict(event)).toMatchObject({ ok: true, verdict: { pipelineExecutionArn: EXECUTION } });
    expect(parseVerdict({ ...event, detail: { ...VERDICT, eventTime: 'yesterday' } })).toEqual({
      ok: false,
      detail: 'detail.eventTime is not a time',
    });
    expect(parseVerdict({ ...event, detail: { ...VERDICT, pipelineExecutionArn: 7 } })).toMatchObject({ ok: false });
  });
});
