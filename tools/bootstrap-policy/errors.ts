/**
 * What stops the command before it writes anything: a usage error (exit code 2), or an input it cannot use, such as a
 * missing cloud assembly (exit code 1). `problems` names each, with its fix.
 */
export class BootstrapPolicyError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(problems.length === 1 ? problems[0] : problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'BootstrapPolicyError';
  }
}
