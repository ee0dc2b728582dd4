import {
  DescribeTrainingJobCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  type PipelineExecutionSummary,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { AwsCall } from '../shared/aws-call';
import type { Budget, EvidenceSource, LoopPolicy, Window } from './loop';
import { utcMonth } from './loop';

/**
 * What the loop reads: the last M windows of the drift contract (CloudWatch GetMetricData) and the month's spend of
 * the training pipeline, measured from its executions (SageMaker), never from a counter of the loop's own.
 */

const SAMPLES_ID = 'samples';

/** The GetMetricData request of the last M windows (AWS JSON protocol: times in epoch seconds). */
export function metricDataRequest(source: EvidenceSource, policy: LoopPolicy, now: Date): Record<string, unknown> {
  const period = policy.windowMinutes * 60;
  const query = (id: string, q: Omit<EvidenceSource['violations'][number], 'reason' | 'comparison' | 'threshold'>) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: q.stat,
    },
    ReturnData: true,
  });
  const end = Math.floor(now.getTime() / 1000);
  return {
    MetricDataQueries: [
      ...source.violations.map((q) => query(q.id, q)),
      ...(source.samples ? [query(SAMPLES_ID, source.samples)] : []),
    ],
    // one window more than M, so a window whose datapoint lands on the edge is not lost
    StartTime: end - period * (policy.windows + 1),
    EndTime: end,
    ScanBy: 'TimestampDescending',
  };
}

interface MetricDataResult {
  readonly Id?: string;
  readonly Timestamps?: readonly (number | string)[];
  readonly Values?: readonly number[];
}

/** The windows of GetMetricData results, one per timestamp, with each query's value and the samples. */
export function windowsOf(results: readonly MetricDataResult[]): Window[] {
  const byTime = new Map<string, { values: Record<string, number>; samples?: number }>();
  for (const result of results) {
    const id = result.Id ?? '';
    (result.Timestamps ?? []).forEach((timestamp, i) => {
      const time = new Date(typeof timestamp === 'number' ? timestamp * 1000 : timestamp).toISOString();
      const value = result.Values?.[i];
      if (value === undefined) return;
      const window = byTime.get(time) ?? { values: {} };
      if (id === SAMPLES_ID) window.samples = value;
      else window.values[id] = value;
      byTime.set(time, window);
    });
  }
  return [...byTime.entries()].map(([time, w]) => ({ time, values: w.values, samples: w.samples }));
}

/** Reads the last M windows of the contract. */
export async function fetchWindows(
  cloudWatch: AwsCall,
  source: EvidenceSource,
  policy: LoopPolicy,
  now: Date,
): Promise<Window[]> {
  const request = metricDataRequest(source, policy, now);
  const results: MetricDataResult[] = [];
  let nextToken: string | undefined;
  do {
    const output = await cloudWatch('GetMetricData', { ...request, ...(nextToken ? { NextToken: nextToken } : {}) });
    results.push(...((output.MetricDataResults as MetricDataResult[] | undefined) ?? []));
    nextToken = typeof output.NextToken === 'string' && output.NextToken !== '' ? output.NextToken : undefined;
  } while (nextToken);
  return windowsOf(results);
}

/** Midnight UTC of the first day of `now`'s month. */
export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** Hours one training job occupies its instances: billable seconds (spot) or its run time, times the instances. */
export function trainingInstanceHours(
  job: {
    readonly BillableTimeInSeconds?: number;
    readonly TrainingStartTime?: Date;
    readonly TrainingEndTime?: Date;
    readonly ResourceConfig?: { readonly InstanceCount?: number };
  },
  now: Date,
): number {
  const instances = job.ResourceConfig?.InstanceCount ?? 1;
  const seconds =
    job.BillableTimeInSeconds ??
    (job.TrainingStartTime ? ((job.TrainingEndTime ?? now).getTime() - job.TrainingStartTime.getTime()) / 1000 : 0);
  return (Math.max(0, seconds) * instances) / 3600;
}

/**
 * The month's runs of the pipeline (every execution created since the first of the month, whatever started it)
 * and the instance-hours of their training jobs.
 */
export async function measureBudget(sageMaker: SageMakerClient, pipelineName: string, now: Date): Promise<Budget> {
  const executions: PipelineExecutionSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sageMaker.send(
      new ListPipelineExecutionsCommand({
        PipelineName: pipelineName,
        CreatedAfter: monthStart(now),
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        NextToken: nextToken,
      }),
    );
    executions.push(...(page.PipelineExecutionSummaries ?? []));
    nextToken = page.NextToken;
  } while (nextToken);

  let hours = 0;
  for (const execution of executions) {
    if (!execution.PipelineExecutionArn) continue;
    let stepsToken: string | undefined;
    do {
      const steps = await sageMaker.send(
        new ListPipelineExecutionStepsCommand({
          PipelineExecutionArn: execution.PipelineExecutionArn,
          NextToken: stepsToken,
        }),
      );
      for (const step of steps.PipelineExecutionSteps ?? []) {
        const arn = step.Metadata?.TrainingJob?.Arn;
        if (!arn) continue;
        const job = await sageMaker.send(new DescribeTrainingJobCommand({ TrainingJobName: arn.split('/').pop() }));
        hours += trainingInstanceHours(job, now);
      }
      stepsToken = steps.NextToken;
    } while (stepsToken);
  }
  return { month: utcMonth(now), runs: executions.length, trainingInstanceHours: hours };
}
