/** Service quotas the platform checks at synth, so a deploy never finds them first. A leaf: it imports nothing. */

/**
 * CodePipeline's fixed structural quotas, from "Quotas in AWS CodePipeline"
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html, the table of quotas that "are fixed and
 * cannot be changed"): "Number of actions in a stage: minimum of 1, maximum of 50", "Number of stages in a pipeline:
 * minimum of 2, maximum of 50" and "Maximum number of actions per pipeline: 500" (wording of the page's source,
 * awsdocs/aws-codepipeline-user-guide doc_source/limits.md). CodePipeline rejects a pipeline past any of them when
 * the delivery stack is deployed, so synth checks them first. Raise a value here only when that page does
 * (a third-party report, aws-deployment-framework issue 792, says the action quotas doubled in October 2024).
 */
export const CODEPIPELINE_QUOTAS = {
  actionsPerStage: 50,
  stagesPerPipeline: 50,
  actionsPerPipeline: 500,
} as const;
