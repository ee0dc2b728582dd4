import { z } from 'zod';
import type { EnvironmentKind } from './defaults';
import { quoted } from './fields';

/**
 * `models[].promotion`: the champion/challenger gate of stage 5 (continuous deployment, ADR 0023). After the
 * training pipeline registers a version, the gate scores it and the served version (the champion) on the same
 * held-out test split and approves it only when it is better by the configured margins. In the environments of
 * `manualApprovalIn` a passing version still waits for a ModelApprover; elsewhere the gate approves it and the
 * rollout starts by itself.
 */

export const PROMOTION_MODES = ['enabled', 'dryRun', 'off'] as const;
export type PromotionMode = (typeof PROMOTION_MODES)[number];

/** Scored rows below which a comparison is noise, by default. */
export const DEFAULT_PROMOTION_MIN_SAMPLES = 100;

const shadow = z
  .strictObject({
    percent: z.int().min(1).max(100).describe('Share of live requests copied to the challenger, in percent.'),
    hours: z
      .int()
      .min(1)
      .max(720)
      .describe('How long the shadow phase runs before the verdict (SageMaker allows up to 30 days).'),
  })
  .describe(
    'A shadow phase before the rollout (ADR 0024): a copy of live traffic goes to the challenger. Instance endpoints only.',
  );

export const promotionSchema = z
  .strictObject({
    metric: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, {
        error: (iss) => `expected a metric name of lowercase letters, digits and underscores, got ${quoted(iss.input)}`,
      })
      .optional()
      .describe('Metric the gate compares (higher is better); default training.metric.'),
    minAbsoluteImprovement: z
      .number()
      .min(0)
      .default(0)
      .describe('How much higher the challenger must score than the champion, in metric units.'),
    minRelativeImprovement: z
      .number()
      .min(0)
      .max(10)
      .default(0)
      .describe("How much higher the challenger must score, as a fraction of the champion's score (0.01 = 1%)."),
    minSamples: z
      .int()
      .min(1)
      .default(DEFAULT_PROMOTION_MIN_SAMPLES)
      .describe('Scored rows the comparison needs; fewer rejects the challenger.'),
    mode: z
      .enum(PROMOTION_MODES)
      .default('enabled')
      .describe('enabled: the verdict acts; dryRun: it is recorded on the version and not acted on; off: no gate.'),
    manualApprovalIn: z
      .array(z.string())
      .optional()
      .describe('Environments where a passing version still waits for a ModelApprover; default the prod ones.'),
    shadow: shadow.optional(),
  })
  .describe('The champion/challenger gate and automatic rollout of new versions (stage 5).');

export type PromotionConfig = z.output<typeof promotionSchema>;

/** The gate of one model in one environment. */
export interface ResolvedPromotion {
  readonly metric: string;
  readonly minAbsoluteImprovement: number;
  readonly minRelativeImprovement: number;
  readonly minSamples: number;
  readonly mode: PromotionMode;
  /** A passing version waits for a ModelApprover in this environment. */
  readonly manualApproval: boolean;
  /** @default - no shadow phase */
  readonly shadow?: { readonly percent: number; readonly hours: number };
}

/** The gate of a model in an environment: prod waits for a ModelApprover unless `manualApprovalIn` says otherwise. */
export function resolvePromotion(
  promotion: PromotionConfig | undefined,
  trainingMetric: string,
  environment: string,
  kind: EnvironmentKind,
): ResolvedPromotion {
  const config = promotion ?? promotionSchema.parse({});
  return {
    metric: config.metric ?? trainingMetric,
    minAbsoluteImprovement: config.minAbsoluteImprovement,
    minRelativeImprovement: config.minRelativeImprovement,
    minSamples: config.minSamples,
    mode: config.mode,
    manualApproval: config.manualApprovalIn ? config.manualApprovalIn.includes(environment) : kind === 'prod',
    shadow: config.shadow,
  };
}

/** What the promotion checks need to know of a model. */
export interface PromotedModel {
  readonly name: string;
  readonly serving: 'realtime' | 'batch' | 'both';
  readonly promotion?: PromotionConfig;
}

/**
 * Problems of `models[].promotion`, each by field path: unknown environments in `manualApprovalIn`, and a shadow
 * phase where no shadow variant can run (ADR 0024): batch-only models have no endpoint, serverless endpoints and
 * the environments that train (stage 3 on, where each version is an inference pipeline of two containers) cannot
 * host one.
 */
export function promotionProblems(
  models: readonly PromotedModel[],
  environments: ReadonlyArray<{ readonly name: string; readonly serverless: (model: string) => boolean }>,
  shadowBlockedByContainers: readonly string[],
): string[] {
  const names = environments.map((e) => e.name);
  const problems: string[] = [];
  models.forEach((model, i) => {
    const field = `models[${i}].promotion`;
    (model.promotion?.manualApprovalIn ?? []).forEach((name, j) => {
      if (!names.includes(name)) {
        problems.push(
          `${field}.manualApprovalIn[${j}]: unknown environment ${quoted(name)}; expected one of ${names.join(', ')}`,
        );
      }
    });
    if (!model.promotion?.shadow) return;
    if (model.serving === 'batch') {
      problems.push(`${field}.shadow: a batch-only model has no endpoint to shadow; remove shadow`);
      return;
    }
    const serverless = environments.filter((e) => e.serverless(model.name)).map((e) => e.name);
    if (serverless.length > 0) {
      problems.push(
        `${field}.shadow: SageMaker runs no shadow variant on a serverless endpoint, and ${model.name} is serverless in ${serverless.join(', ')}; remove shadow or serve from instances there (models[${i}].environments.<env>.serverless: false)`,
      );
    }
    if (shadowBlockedByContainers.length > 0) {
      problems.push(
        `${field}.shadow: ${shadowBlockedByContainers.join(', ')} ${shadowBlockedByContainers.length === 1 ? 'trains' : 'train'} the model (stage 3 on), so each version is an inference pipeline of two containers, which a shadow variant cannot host (ADR 0024); remove shadow`,
      );
    }
  });
  return problems;
}
