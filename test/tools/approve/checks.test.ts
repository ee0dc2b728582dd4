import { DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageCommand, ResourceNotFound } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand } from '@aws-sdk/client-ssm';
import { approveModelVersion } from '../../../tools/approve/approve';
import {
  awsError,
  cloudformationMock,
  deps,
  givenDeployed,
  PARAMETER,
  rejectionOf,
  request,
  resetApproveMocks,
  STACK,
  sagemakerMock,
  ssmMock,
  VERSION_3,
} from './support';

// The checks in AWS before any change (tools/approve/checks.ts).

beforeEach(resetApproveMocks);

describe('checks in AWS before any change', () => {
  test('a version not yet Approved is refused, with how to approve it, and nothing is written', async () => {
    // GIVEN
    givenDeployed({ approval: 'PendingManualApproval' });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-approved');
    expect(error.message).toBe(
      [
        `model package "${VERSION_3}" has approval status "PendingManualApproval", not "Approved"; a ModelApprover (role mlops-test-model-approver) must approve it first, for example with`,
        `  aws sagemaker update-model-package --model-package-arn ${VERSION_3} --model-approval-status Approved --region eu-west-1`,
      ].join('\n'),
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test.each([
    ['ResourceNotFound', new ResourceNotFound({ message: 'Model package not found', $metadata: {} })],
    ['ValidationException', awsError('ValidationException', `ModelPackage ${VERSION_3} does not exist.`)],
  ])('a missing package (%s) is reported clearly', async (name, rejection) => {
    // GIVEN
    sagemakerMock.on(DescribeModelPackageCommand).rejects(rejection);

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe(
      `model package "${VERSION_3}" was not found (${name}: ${rejection.message}); check the version number, and that your AWS credentials are for account 222222222222 (environment "test")`,
    );
    expect(ssmMock.calls()).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test('a missing parameter means the registry stack is not deployed', async () => {
    // GIVEN
    givenDeployed();
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-deployed');
    expect(error.message).toBe(
      `SSM parameter "${PARAMETER}" does not exist in account 222222222222, region eu-west-1: the registry stack of environment "test" is not deployed, or was deployed before model "churn" was configured; deploy it (stage 2) first`,
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test('a model stack that is not deployed is reported and nothing is written', async () => {
    // GIVEN
    givenDeployed();
    cloudformationMock
      .on(DescribeStacksCommand, { StackName: STACK })
      .rejects(awsError('ValidationError', `Stack with id ${STACK} does not exist`));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-deployed');
    expect(error.message).toBe(
      `model stack "${STACK}" does not exist in account 222222222222, region eu-west-1: deploy the stack of model "churn" in environment "test" (stage 2) first`,
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test.each([
    ['UPDATE_IN_PROGRESS' as const, `model stack "${STACK}" is busy (UPDATE_IN_PROGRESS); wait until it finishes`],
    ['UPDATE_ROLLBACK_FAILED' as const, `model stack "${STACK}" cannot be updated in status UPDATE_ROLLBACK_FAILED`],
  ])('a model stack in %s is not touched', async (status, message) => {
    // GIVEN
    givenDeployed({ statuses: [status] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('stack-not-ready');
    expect(error.message).toContain(message);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});
