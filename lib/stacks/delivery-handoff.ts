import type { IStage } from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import {
  type CodePipelineActionFactoryResult,
  type ICodePipelineActionFactory,
  type IFileSetProducer,
  type ProduceActionOptions,
  Step,
} from 'aws-cdk-lib/pipelines';
import { DELIVERY_HANDOFF_KEY } from '../naming';

export interface HandoffStepProps {
  /** The step whose output is the revision to hand over: the pipeline's source. */
  readonly source: IFileSetProducer;
  /** The next pipeline's hand-off bucket, found by name: the two pipelines' stacks do not reference each other. */
  readonly bucket: s3.IBucket;
  /** The role the action runs as: it may read this pipeline's artifacts and write the hand-off bucket. */
  readonly role: iam.IRole;
}

/**
 * Hands the revision a pipeline has deployed over to the next pipeline: one S3 deploy action that copies the source
 * artifact, unchanged, to `DELIVERY_HANDOFF_KEY` in the next pipeline's hand-off bucket. The object's creation
 * starts the next pipeline, whose source is that object, so it deploys the very revision this one has promoted.
 */
export class HandoffStep extends Step implements ICodePipelineActionFactory {
  private readonly source: IFileSetProducer;

  constructor(
    id: string,
    private readonly props: HandoffStepProps,
  ) {
    super(id);
    this.source = props.source;
    const revision = props.source.primaryOutput;
    if (!revision) throw new Error(`handoff step ${id}: the source step has no output to hand over`);
    this.addDependencyFileSet(revision);
  }

  produceAction(stage: IStage, options: ProduceActionOptions): CodePipelineActionFactoryResult {
    const revision = this.source.primaryOutput;
    if (!revision) throw new Error(`handoff step ${this.id}: the source step has no output to hand over`);
    stage.addAction(
      new cpactions.S3DeployAction({
        actionName: options.actionName,
        runOrder: options.runOrder,
        bucket: this.props.bucket,
        objectKey: DELIVERY_HANDOFF_KEY,
        // the zip of the source artifact as it is: the next pipeline's S3 source reads a zip
        extract: false,
        input: options.artifacts.toCodePipeline(revision),
        role: this.props.role,
      }),
    );
    return { runOrdersConsumed: 1 };
  }
}
