import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The clients of a rollout step, created once per execution environment. The SDK retries throttling itself; the
 * state machine retries a failed step as a whole.
 */
export const clients = {
  ssm: new SSMClient({}),
  cloudformation: new CloudFormationClient({}),
  sagemaker: new SageMakerClient({}),
};
