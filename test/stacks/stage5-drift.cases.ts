import { DRIFT_METRICS, PLATFORM_EVENT_SOURCE, PLATFORM_EVENT_TYPES } from '../../lib/vocabulary';
import { type CloudFormationTemplate, modelPart, resourcesOfType, synthAtStage } from '../support/platform';

// Stage 5 continuous training (issue 14): with engine platform, every model whose endpoint captures its requests
// has the drift job's schedule and the contract's alarms, and its retraining trigger follows those alarms through a
// rule with a dead-letter queue. Runs in test/platform.test.ts, sharing its stage 4 and 5 syntheses.

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const stage = (maturity: number, env: string): CloudFormationTemplate =>
  synthAtStage(maturity).templateJson(`${env}/Model-churn`);

/** Whether the model's stack serves from an instance endpoint that captures requests (the job's input). */
function captures(template: CloudFormationTemplate): boolean {
  return Object.values(resourcesOfType(template, 'AWS::SageMaker::EndpointConfig')).some(
    (config) =>
      (config.Properties?.DataCaptureConfig as { EnableCapture?: boolean } | undefined)?.EnableCapture === true,
  );
}

describe('stage 5 drift and the closed retraining loop', () => {
  // computed in the tests, not at collection, so a filtered run does not synthesize stage 5 for nothing
  const monitored = { includes: (env: string) => captures(stage(5, env)) };

  test('the fixture has monitored models to check', () => {
    expect(ENVIRONMENTS.filter((env) => monitored.includes(env)).length).toBeGreaterThan(0);
  });

  test.each(ENVIRONMENTS)('%s: every monitored model has the drift job schedule and the contract alarms', (env) => {
    const drift = modelPart(stage(5, env), 'Drift');
    if (!monitored.includes(env)) {
      expect(Object.keys(drift.Resources)).toEqual([]);
      return;
    }
    const schedules = Object.values(resourcesOfType(drift, 'AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties?.ScheduleExpression).toBe('rate(1 day)');
    const pipelines = Object.values(resourcesOfType(drift, 'AWS::SageMaker::Pipeline'));
    expect(pipelines.map((p) => p.Properties?.PipelineName)).toEqual([`mlops-${env.toLowerCase()}-churn-drift`]);
    const alarms = Object.values(resourcesOfType(drift, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties?.Namespace === DRIFT_METRICS.namespace,
    );
    expect(alarms.map((a) => a.Properties?.MetricName).sort()).toEqual(
      [DRIFT_METRICS.names.dataDrift, DRIFT_METRICS.names.qualityViolation].sort(),
    );
  });

  test.each(ENVIRONMENTS)(
    "%s: the loop's rule sends the drift alarms to the trigger, with a dead-letter queue",
    (env) => {
      if (!monitored.includes(env)) return;
      const retraining = modelPart(stage(5, env), 'Retraining');
      const rules = Object.values(resourcesOfType(retraining, 'AWS::Events::Rule')).filter(
        (rule) =>
          (rule.Properties?.EventPattern as { source?: string[] } | undefined)?.source?.[0] === 'aws.cloudwatch',
      );
      expect(rules).toHaveLength(1);
      const pattern = rules[0]?.Properties?.EventPattern as { detail: { alarmName: string[] } };
      const prefix = `mlops-${env.toLowerCase()}-churn`;
      expect(pattern.detail.alarmName).toEqual([`${prefix}-data-drift`, `${prefix}-quality-violation`]);
      const targets = (rules[0]?.Properties?.Targets ?? []) as { DeadLetterConfig?: { Arn: unknown } }[];
      const [target] = targets;
      expect(target?.DeadLetterConfig?.Arn).toBeDefined();
    },
  );

  test.each(ENVIRONMENTS)(
    "%s: the verdict rule sends the model's Promotion Verdicts to the trigger, with a dead-letter queue",
    (env) => {
      if (!monitored.includes(env)) return;
      const retraining = modelPart(stage(5, env), 'Retraining');
      const rules = Object.values(resourcesOfType(retraining, 'AWS::Events::Rule')).filter(
        (rule) =>
          (rule.Properties?.EventPattern as { 'detail-type'?: string[] } | undefined)?.['detail-type']?.[0] ===
          PLATFORM_EVENT_TYPES.promotionVerdict,
      );
      expect(rules).toHaveLength(1);
      expect(rules[0]?.Properties?.EventPattern).toEqual({
        source: [PLATFORM_EVENT_SOURCE],
        'detail-type': [PLATFORM_EVENT_TYPES.promotionVerdict],
        detail: { environment: [env.toLowerCase()], model: ['churn'] },
      });
      const [target] = (rules[0]?.Properties?.Targets ?? []) as {
        DeadLetterConfig?: { Arn: unknown };
        RetryPolicy?: { MaximumRetryAttempts: number };
      }[];
      expect(target?.DeadLetterConfig?.Arn).toBeDefined();
      expect(target?.RetryPolicy?.MaximumRetryAttempts).toBe(8);
    },
  );

  test.each(ENVIRONMENTS)("%s: the model's dashboard shows the contract and the drift alarms", (env) => {
    if (!monitored.includes(env)) return;
    const dashboards = Object.values(
      resourcesOfType(modelPart(stage(5, env), 'Monitoring'), 'AWS::CloudWatch::Dashboard'),
    );
    const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);
    expect(body).toContain(DRIFT_METRICS.namespace);
    expect(body).toContain(DRIFT_METRICS.names.maxFeaturePsi);
    expect(body).toContain(`mlops-${env.toLowerCase()}-churn-data-drift`);
  });

  test('stage 4 has none of it: no drift job, no alarm rule, no re-evaluation', () => {
    for (const env of ENVIRONMENTS) {
      const template = stage(4, env);
      expect(Object.keys(modelPart(template, 'Drift').Resources)).toEqual([]);
      const ids = Object.keys(modelPart(template, 'Retraining').Resources);
      expect(
        ids.filter((id) => /DriftAlarms|Reevaluation|AlarmDeadLetters|PromotionVerdicts|VerdictDead/.test(id)),
      ).toEqual([]);
    }
  });
});
