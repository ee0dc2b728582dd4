/**
 * The lifecycle of a registered version's package-level model card (stage 5, ADR 0029), as pure functions that the
 * approval path and the rollout gate call: the card's status follows the pipeline's verdict and the version's
 * approval, and a prod rollout requires an approved card. No SDK here: callers read the version with
 * DescribeModelPackage (its `ModelCard` and `ModelApprovalStatus`) and write the status back with
 * UpdateModelPackage (`ModelCard: { ModelCardStatus }`).
 */

/** The four statuses of a SageMaker model card. */
export type ModelCardStatus = 'Draft' | 'PendingReview' | 'Approved' | 'Archived';

/** The model package approval statuses. */
export type ApprovalStatus = 'PendingManualApproval' | 'Approved' | 'Rejected';

/** What the pipeline (and the champion/challenger gate) said of a version: not yet, passed, failed. */
export type Verdict = 'pending' | 'passed' | 'failed';

/** The card of a model package as DescribeModelPackage returns it. */
export interface PackageModelCard {
  readonly ModelCardStatus?: string;
  readonly ModelCardContent?: string;
}

/**
 * The status a version's card should have. Draft while no verdict is in; Archived once the verdict fails or the
 * version is rejected (an archived card is frozen: the record of why); PendingReview once it passed and waits for
 * approval; Approved with the version.
 */
export function modelCardStatus(verdict: Verdict, approval: ApprovalStatus): ModelCardStatus {
  if (verdict === 'failed' || approval === 'Rejected') return 'Archived';
  if (approval === 'Approved') return 'Approved';
  return verdict === 'passed' ? 'PendingReview' : 'Draft';
}

/**
 * The `ModelCard` to send with UpdateModelPackage when a version's approval changes, or undefined when there is
 * nothing to change: the version has no card (registered below stage 5), the status is already right, or the card
 * is archived (SageMaker refuses any change to an archived card).
 */
export function modelCardUpdate(
  card: PackageModelCard | undefined,
  verdict: Verdict,
  approval: ApprovalStatus,
): { readonly ModelCardStatus: ModelCardStatus } | undefined {
  if (!card?.ModelCardStatus || card.ModelCardStatus === 'Archived') return undefined;
  const next = modelCardStatus(verdict, approval);
  return next === card.ModelCardStatus ? undefined : { ModelCardStatus: next };
}

/** Whether a version may roll out to an environment, and why (for the gate's verdict and its event). */
export interface CardCheck {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * The model-card condition of a rollout. Into prod a version needs an Approved card that names its owner
 * (model_overview.model_creator); elsewhere a missing or unapproved card is allowed and said.
 */
export function rolloutCardCheck(
  card: PackageModelCard | undefined,
  environmentKind: 'dev' | 'test' | 'prod',
): CardCheck {
  const prod = environmentKind === 'prod';
  if (!card?.ModelCardStatus) {
    return prod
      ? {
          allowed: false,
          reason: 'the version has no model card; retrain it at stage 5, where each registered version gets one',
        }
      : { allowed: true, reason: `no model card (allowed in ${environmentKind})` };
  }
  if (card.ModelCardStatus !== 'Approved') {
    return prod
      ? { allowed: false, reason: `the model card is ${card.ModelCardStatus}, not Approved; approve the version first` }
      : { allowed: true, reason: `model card ${card.ModelCardStatus} (allowed in ${environmentKind})` };
  }
  const owner = cardOwner(card.ModelCardContent);
  if (!owner) {
    return prod
      ? { allowed: false, reason: 'the approved model card names no owner (model_overview.model_creator)' }
      : { allowed: true, reason: `approved model card without an owner (allowed in ${environmentKind})` };
  }
  return { allowed: true, reason: `model card Approved, owner ${owner}` };
}

/** The owner a card's content names, or undefined when the content is missing or not JSON. */
export function cardOwner(content: string | undefined): string | undefined {
  if (!content) return undefined;
  try {
    const parsed = JSON.parse(content) as { model_overview?: { model_creator?: unknown } };
    const owner = parsed.model_overview?.model_creator;
    return typeof owner === 'string' && owner.length > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}
