import { z } from 'zod';
import { quoted } from './fields';

/**
 * The model-portfolio fields of a model (stage 5, issue 15): its lifecycle, its model card and its budget. The
 * schema pieces plug into `models[]` in schema.ts; the checks that need the environments are
 * {@link portfolioProblems}.
 */

/** Where a model is in its life: `active` models are served and watched; `retired` ones keep only their records. */
export const MODEL_LIFECYCLES = ['active', 'retired'] as const;
export type ModelLifecycle = (typeof MODEL_LIFECYCLES)[number];

/** The risk ratings a SageMaker model card accepts. */
export const RISK_RATINGS = ['High', 'Medium', 'Low', 'Unknown'] as const;
export type RiskRating = (typeof RISK_RATINGS)[number];

/** Longest free text of a card field: the model card schema's limit for intended uses and caveats. */
const CARD_TEXT_MAX = 2048;

export const modelLifecycle = z
  .enum(MODEL_LIFECYCLES, {
    error: (iss) =>
      `expected "active" or "retired", got ${quoted(iss.input)}; to remove a model, set "retired" first (docs/stage-5-portfolio-governance.md)`,
  })
  .default('active')
  .describe(
    'active: served, scheduled and watched. retired: its endpoint, batch schedule, retraining triggers and monitoring are removed; its registry, model cards, lineage and data stay, following the retention settings. Retire a model before removing it from the config.',
  );

export const modelCard = z
  .strictObject({
    owner: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Who answers for the model: a team or a person, e.g. "churn-team@example.com". Required from stage 5.'),
    intendedUse: z.string().max(CARD_TEXT_MAX).optional().describe('What the model is for, and what not.'),
    riskRating: z
      .enum(RISK_RATINGS, {
        error: (iss) =>
          `expected one of ${RISK_RATINGS.join(', ')} (a model card's risk rating), got ${quoted(iss.input)}`,
      })
      .default('Unknown')
      .describe('The organisation’s risk rating of the model: High, Medium, Low or Unknown.'),
    limitations: z
      .string()
      .max(CARD_TEXT_MAX)
      .optional()
      .describe('Known limitations and caveats: data it was not trained on, groups it does worse for.'),
  })
  .describe(
    'The model card as code (stage 5): each registered version carries a model card built from these fields and the evaluation of the run that registered it.',
  );

export const modelBudget = z
  .strictObject({
    monthlyUsd: z.number().positive().max(1_000_000).describe('Monthly spend, in US dollars, the alerts measure.'),
    alertAtPercent: z
      .int()
      .min(1)
      .max(1000)
      .default(80)
      .describe(
        'Alert when the actual spend of a month passes this share of monthlyUsd, and again when the forecast passes 100%.',
      ),
  })
  .describe(
    'An AWS Budgets budget per model and environment (stage 5), filtered on the cost-allocation tag "model"; alerts go to the emails of the environment notifications. Activate the tag first (docs/stage-5-portfolio-governance.md).',
  );

export type ModelCardConfig = z.output<typeof modelCard>;
export type ModelBudgetConfig = z.output<typeof modelBudget>;

/** What portfolioProblems reads of a model. */
export interface PortfolioModel {
  readonly name: string;
  readonly card?: ModelCardConfig;
}

/**
 * Problems of the portfolio fields that need the environments to judge, each by field path: from the stage whose
 * capabilities include modelPortfolio (stage 5), every model needs an owner on its card.
 */
export function portfolioProblems(
  models: readonly PortfolioModel[],
  portfolioEnvironments: readonly string[],
): string[] {
  if (portfolioEnvironments.length === 0) return [];
  const where = portfolioEnvironments.join(', ');
  return models.flatMap((model, i) =>
    model.card?.owner
      ? []
      : [
          `models[${i}].card.owner: "${model.name}" has no owner (got ${model.card ? 'a card without owner' : 'no card'}), and the model portfolio (stage 5, in ${where}) needs one for every model; add "card": { "owner": "<team or person, e.g. ml-team@example.com>" }`,
        ],
  );
}
