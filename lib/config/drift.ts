import { z } from 'zod';
import { MONITORING_ENGINES, type MonitoringEngine } from '../vocabulary';
import { quoted } from './fields';

/**
 * Stage 5 continuous training (capability `driftRetraining`): which engine measures drift, how the platform's own
 * drift job judges a window, and when drift or falling quality retrains the model (N violating windows of M,
 * minimum samples, a monthly budget). Plugged into `models[].monitoring` and `models[].retraining` in schema.ts;
 * every field is optional there and {@link resolveDrift} fills in the defaults, so a config written for stage 4
 * stays valid and means the same.
 */

export const monitoringEngine = z
  .enum(MONITORING_ENGINES, {
    error: (iss) => `expected "platform" or "modelMonitor", got ${quoted(iss.input)}`,
  })
  .optional()
  .describe(
    'Which engine measures drift and quality for the retraining loop (stage 5): "platform" (default; the platform\'s own scheduled drift job, works in every account) or "modelMonitor" (SageMaker Model Monitor, closed to new customers; its alarms feed the loop).',
  );

export const driftJob = z
  .strictObject({
    windowHours: z
      .int()
      .min(1)
      .max(24)
      .optional()
      .describe('Hours of captured requests one run of the drift job judges; it runs once per window. Default 24.'),
    minSamples: z
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('Records a window needs; below it the job reports insufficient data and no drift. Default 100.'),
    psiThreshold: z
      .number()
      .positive()
      .max(10)
      .optional()
      .describe('PSI at or above which a feature or the predictions have drifted. Default 0.2.'),
    missingTolerance: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("Rise of a feature's missing-value rate over the baseline's that counts as a violation. Default 0.05."),
    instanceType: z
      .string()
      .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, {
        error: (iss) => `expected a SageMaker instance type such as "ml.m5.large", got ${quoted(iss.input)}`,
      })
      .optional()
      .describe('Instance of the drift job. Default ml.m5.large.'),
  })
  .describe("The platform's own drift and quality job (stage 5, engine platform).");

export const retrainingLoop = z
  .strictObject({
    enabled: z.boolean().optional().describe('Drift and quality alarms start retraining (stage 5). Default true.'),
    violatingWindows: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Violating windows (N) among the last `windows` (M) that a run needs. Default 2.'),
    windows: z.int().min(1).max(100).optional().describe('Windows (M) the policy looks back over. Default 5.'),
    cooldownMinutes: z
      .int()
      .min(0)
      .optional()
      .describe('Minutes after a drift- or quality-triggered run before the next. Default retraining.cooldownMinutes.'),
    maxRunsPerMonth: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'Runs of the training pipeline per calendar month (UTC) after which drift no longer retrains. Default 4.',
      ),
    maxTrainingInstanceHoursPerMonth: z
      .number()
      .positive()
      .max(100_000)
      .optional()
      .describe(
        'Training instance-hours per month, measured from the executions, after which drift no longer retrains. Default 24.',
      ),
  })
  .describe('When drift or falling quality retrains the model (stage 5): N of M windows, cooldown, monthly budget.');

export const DRIFT_DEFAULTS = {
  engine: 'platform' as MonitoringEngine,
  windowHours: 24,
  minSamples: 100,
  psiThreshold: 0.2,
  missingTolerance: 0.05,
  instanceType: 'ml.m5.large',
  enabled: true,
  violatingWindows: 2,
  windows: 5,
  maxRunsPerMonth: 4,
  maxTrainingInstanceHoursPerMonth: 24,
} as const;

/** The stage 5 settings of one model with every default filled in. */
export interface ResolvedDrift {
  readonly engine: MonitoringEngine;
  readonly job: Required<z.output<typeof driftJob>>;
  readonly loop: Required<z.output<typeof retrainingLoop>>;
}

/** Fills in the defaults of a model's stage 5 settings; the loop's cooldown defaults to the new-data cooldown. */
export function resolveDrift(model: {
  readonly monitoring: { readonly engine?: MonitoringEngine; readonly drift?: z.output<typeof driftJob> };
  readonly retraining: { readonly cooldownMinutes: number; readonly onDrift?: z.output<typeof retrainingLoop> };
}): ResolvedDrift {
  const job = model.monitoring.drift ?? {};
  const loop = model.retraining.onDrift ?? {};
  const d = DRIFT_DEFAULTS;
  return {
    engine: model.monitoring.engine ?? d.engine,
    job: {
      windowHours: job.windowHours ?? d.windowHours,
      minSamples: job.minSamples ?? d.minSamples,
      psiThreshold: job.psiThreshold ?? d.psiThreshold,
      missingTolerance: job.missingTolerance ?? d.missingTolerance,
      instanceType: job.instanceType ?? d.instanceType,
    },
    loop: {
      enabled: loop.enabled ?? d.enabled,
      violatingWindows: loop.violatingWindows ?? d.violatingWindows,
      windows: loop.windows ?? d.windows,
      cooldownMinutes: loop.cooldownMinutes ?? model.retraining.cooldownMinutes,
      maxRunsPerMonth: loop.maxRunsPerMonth ?? d.maxRunsPerMonth,
      maxTrainingInstanceHoursPerMonth: loop.maxTrainingInstanceHoursPerMonth ?? d.maxTrainingInstanceHoursPerMonth,
    },
  };
}

/** Problems of the loop's windows (N cannot exceed M) and of the engine (Model Monitor must run), by field path. */
export function driftProblems(
  models: readonly {
    readonly monitoring: { readonly engine?: MonitoringEngine; readonly modelMonitor: boolean };
    readonly retraining: { readonly onDrift?: z.output<typeof retrainingLoop> };
  }[],
): string[] {
  const problems: string[] = [];
  models.forEach((model, i) => {
    if (model.monitoring.engine === 'modelMonitor' && !model.monitoring.modelMonitor) {
      problems.push(
        `models[${i}].monitoring.engine: "modelMonitor" needs Model Monitor, but models[${i}].monitoring.modelMonitor is false; set engine to "platform" (works in every account) or turn modelMonitor on`,
      );
    }
    const loop = model.retraining.onDrift;
    const n = loop?.violatingWindows ?? DRIFT_DEFAULTS.violatingWindows;
    const m = loop?.windows ?? DRIFT_DEFAULTS.windows;
    if (n > m) {
      problems.push(
        `models[${i}].retraining.onDrift.violatingWindows: ${n} violating windows cannot be found among the last ${m}; set violatingWindows at most windows (${m}) or raise windows`,
      );
    }
  });
  return problems;
}
