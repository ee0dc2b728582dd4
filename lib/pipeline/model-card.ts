import type { ModelPackageModelCard } from '@aws-sdk/client-sagemaker';
import { Join, type JoinValue, type PipelineValue } from '../pipeline-definition';

/**
 * The package-level model card of each version the model-building pipeline registers (stage 5, ADR 0029): what the
 * config says of the model (owner, intended use, risk rating, limitations) and what the run measured (its data
 * window, the gate metric on the test set, the baselines it registered). The content follows SageMaker's model
 * package model card schema, rendered at run time with `Std:Join` because the metric and the S3 locations are only
 * known then. The card starts as PendingReview: the version passed the gate and waits for approval; approving the
 * version approves the card, rejecting it archives it (lambda/shared/model-card.ts).
 */

/** The status a registered version's card starts with: the verdict passed, the approval is pending. */
export const REGISTERED_CARD_STATUS = 'PendingReview';

/** The config's part of the card (models[].card) and the model's description. */
export interface ModelCardFacts {
  readonly owner: string;
  readonly riskRating: 'High' | 'Medium' | 'Low' | 'Unknown';
  /** @default - none */
  readonly description?: string;
  /** @default - none */
  readonly intendedUse?: string;
  /** @default - none */
  readonly limitations?: string;
}

/** What the run knows when it registers the version. */
export interface ModelCardRun {
  /** The gate metric's name and its value on the test set (`Std:JsonGet` of the evaluation report). */
  readonly metric: { readonly name: string; readonly value: JoinValue; readonly threshold: JoinValue };
  /** Where the training data came from: the InputDataUrl parameter. */
  readonly inputData: JoinValue;
  /** @default - trained from the raw data only */
  readonly featureGroupName?: string;
  /** When the run started: the data window ends there. */
  readonly startedAt: PipelineValue;
  readonly executionId: PipelineValue;
  readonly triggerReason: JoinValue;
  /** The model artifact the version serves. */
  readonly modelData: PipelineValue;
  /** The test set the metric was measured on. */
  readonly testData: PipelineValue;
  /** The statistics of the data-quality and model-quality baselines the version registers. */
  readonly dataQualityBaseline: PipelineValue;
  readonly modelQualityBaseline: PipelineValue;
}

/** A JSON string literal inside the card, as a piece of the Join. */
const text = (value: string): string => JSON.stringify(value);

/**
 * The `ModelCard` of the RegisterModel step. Fixed text is escaped here; the run's values are S3 URIs, ids, a
 * timestamp, a trigger word and a number, none of which contains a quote or a backslash.
 */
export function registeredModelCard(
  facts: ModelCardFacts,
  run: ModelCardRun,
): { ModelCardContent: Join; ModelCardStatus: NonNullable<ModelPackageModelCard['ModelCardStatus']> } {
  const quotedValue = (value: PipelineValue): JoinValue[] => ['"', value, '"'];
  const source = run.featureGroupName
    ? `the offline store of feature group ${run.featureGroupName}, fed from `
    : 'the raw data under ';
  const pieces: JoinValue[] = [
    `{"model_overview":{"model_creator":${text(facts.owner)},"model_artifact":[`,
    ...quotedValue(run.modelData),
    `]},"intended_uses":{${facts.description ? `"purpose_of_model":${text(facts.description)},` : ''}`,
    `${facts.intendedUse ? `"intended_uses":${text(facts.intendedUse)},` : ''}"risk_rating":${text(facts.riskRating)}},`,
    `"business_details":{"business_stakeholders":${text(facts.owner)}},`,
    `"training_details":{"training_observations":"Trained on ${source}`,
    run.inputData,
    ' up to ',
    run.startedAt,
    ' by pipeline execution ',
    run.executionId,
    ', started by ',
    run.triggerReason,
    // a JSON string opened here and closed after the threshold
    `"},"evaluation_details":[{"name":"test set","evaluation_observation":${text(`registered because ${run.metric.name} on the test set is at least the threshold `).slice(0, -1)}`,
    run.metric.threshold,
    '","datasets":[',
    ...quotedValue(run.testData),
    `],"metric_groups":[{"name":"test set","metric_data":[{"name":${text(run.metric.name)},"type":"number","value":`,
    run.metric.value,
    '}]}]}],"additional_information":{',
    facts.limitations ? `"caveats_and_recommendations":${text(facts.limitations)},` : '',
    '"custom_details":{"data_quality_baseline":',
    ...quotedValue(run.dataQualityBaseline),
    ',"model_quality_baseline":',
    ...quotedValue(run.modelQualityBaseline),
    '}}}',
  ];
  return {
    ModelCardContent: Join.on(
      '',
      pieces.filter((p) => p !== ''),
    ),
    ModelCardStatus: REGISTERED_CARD_STATUS,
  };
}
