/** What the command reads of the synthesized stacks: where each deploys, and the parts of its template it needs. */

export interface CloudFormationTemplate {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Type?: string; readonly Default?: unknown }>>;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** One stack of the cloud assembly, where CloudFormation deploys it. */
export interface DeployedStack {
  /** The construct path, as `cdk deploy` takes it: `Dev/Network`, `Delivery`. */
  readonly path: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: CloudFormationTemplate;
}
