/** The approve command's one error type, and how it describes the AWS errors it reports. */

export const RUNBOOK = 'docs/runbooks/approve-and-rollback.md';

export type ApproveErrorKind =
  /** Bad command line (exit code 2). */
  | 'usage'
  /** Unknown model or environment, or an ARN that cannot be the model's. */
  | 'invalid-request'
  /** The model package is missing. */
  | 'not-found'
  /** The model package is not Approved. */
  | 'not-approved'
  /** The registry or the model's stack is not deployed. */
  | 'not-deployed'
  /** The model's stack is busy or in a status that cannot be updated. */
  | 'stack-not-ready'
  /** An AWS call failed. */
  | 'aws'
  /** The stack update could not start or ended in failure. */
  | 'update-failed'
  /** CloudFormation rolled the update back. */
  | 'rolled-back'
  /** The stack update did not finish in time. */
  | 'timeout'
  /** Another approval changed the parameter meanwhile: it was left in place (ADR 0023). */
  | 'concurrent'
  /** The rollout state machine (stage 5) ended in failure. */
  | 'rollout-failed';

/** A failure to show the user as is: the message says what is wrong and what to do, without a stack trace. */
export class ApproveError extends Error {
  constructor(
    message: string,
    readonly kind: ApproveErrorKind,
  ) {
    super(message);
    this.name = 'ApproveError';
  }

  /**
   * Exit code of the command: 2 for a bad command line, 1 otherwise. (Exit code 3, "served but monitoring not
   * refreshed", is gone since serving and monitoring share one stack and one update: ADR 0018.)
   */
  get exitCode(): number {
    return this.kind === 'usage' ? 2 : 1;
  }
}

/** The environment an AWS call was made for, for the credentials hint. */
interface AwsTarget {
  readonly environment: { readonly account: string; readonly name: string };
}

const CREDENTIAL_ERRORS = [
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
];

export function awsError(what: string, error: unknown, target: AwsTarget): ApproveError {
  return new ApproveError(awsProblem(what, error, target), 'aws');
}

/** What failed and why, with a hint when the credentials are the likely cause. */
export function awsProblem(what: string, error: unknown, target: AwsTarget): string {
  const { account, name } = target.environment;
  const hint = isNamed(error, 'CredentialsProviderError')
    ? `; sign in to account ${account} (environment "${name}") first, for example with AWS_PROFILE or aws sso login`
    : isNamed(error, ...CREDENTIAL_ERRORS)
      ? `; are your AWS credentials for account ${account} (environment "${name}"), with the rights listed in ${RUNBOOK}?`
      : '';
  return `${what}: ${describeError(error)}${hint}`;
}

export function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}
