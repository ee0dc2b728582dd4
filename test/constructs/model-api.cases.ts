import { CfnCondition, CfnParameter, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { MIN_REASON_LENGTH } from '../../lib/compliance/acknowledge';
import { ModelApi, type ModelApiProps } from '../../lib/constructs/model-api';
import { ModelEndpoint } from '../../lib/constructs/model-endpoint';
import { testApp } from '../support/platform';

/**
 * A serving stack whose logs key comes from a shared stack, as the platform's serving stacks get it. The endpoint is
 * imported by name: the API needs only its interface.
 */
function givenAServingStack(endpointName = 'churn-dev') {
  const app = testApp();
  const shared = new Stack(app, 'Shared');
  const logsKey = new kms.Key(shared, 'LogsKey', { enableKeyRotation: true });
  const stack = new Stack(app, 'Serving');
  /** The approved-version parameter and its condition, made on demand: an unused condition is a synth warning. */
  const approvedVersionCondition = () => {
    const param = new CfnParameter(stack, 'ApprovedModelPackageArn', {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: '/x/approved',
    });
    return new CfnCondition(stack, 'VersionApproved', {
      expression: Fn.conditionNot(Fn.conditionEquals(param, 'none')),
    });
  };
  const endpoint = ModelEndpoint.fromEndpointName(stack, 'Endpoint', endpointName);
  const props = (overrides: Partial<ModelApiProps> = {}): ModelApiProps => ({
    apiName: 'churn-dev',
    endpoint,
    logsKey,
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...overrides,
  });
  return { app, shared, stack, approvedVersionCondition, props, logsKey };
}

function givenAnApi(overrides: Partial<ModelApiProps> = {}, endpointName?: string) {
  const given = givenAServingStack(endpointName);
  const api = new ModelApi(given.stack, 'Churn', given.props(overrides));
  return {
    ...given,
    api,
    /** Synthesizes on first use, so a test can still add to the stack before it asks. */
    get template() {
      return Template.fromStack(given.stack);
    },
  };
}

/** `{ Fn::Join: ['', ['arn:', {Ref: AWS::Partition}, ':<service>:', ...rest]] }` as CDK renders Stack.formatArn. */
function arnOf(service: string, ...rest: unknown[]) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, ...rest]] };
}

const ERROR_BODY = { 'method.response.header.Content-Type': "'application/json'" };

describe('ModelApi', () => {
  describe('GIVEN an API with default props', () => {
    test('THEN POST /invocations is IAM-authorized, validated and requires a Content-Type header', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'invocations' });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        ResourceId: { Ref: Match.stringLikeRegexp('^ChurnApiinvocations') },
        AuthorizationType: 'AWS_IAM',
        RequestValidatorId: { Ref: Match.stringLikeRegexp('^ChurnApiRequestValidator') },
        RequestParameters: {
          'method.request.header.Content-Type': true,
          'method.request.header.Accept': false,
          'method.request.header.X-Inference-Id': false,
        },
      });
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        RestApiId: { Ref: Match.stringLikeRegexp('^ChurnApi') },
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      template.resourceCountIs('AWS::ApiGateway::Method', 1);
    });

    test('THEN the method invokes runtime.sagemaker endpoints/<name>/invocations with the integration role', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        Integration: Match.objectLike({
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          Uri: arnOf('apigateway', { Ref: 'AWS::Region' }, ':runtime.sagemaker:path/endpoints/churn-dev/invocations'),
          Credentials: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnIntegrationRole'), 'Arn'] },
        }),
      });
    });

    test('THEN the raw body of each default content type is forwarded with its Content-Type, Accept and inference id headers', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        Integration: Match.objectLike({
          PassthroughBehavior: 'NEVER',
          RequestTemplates: { 'text/csv': '$input.body', 'application/json': '$input.body' },
          RequestParameters: {
            'integration.request.header.Content-Type': 'method.request.header.Content-Type',
            'integration.request.header.Accept': 'method.request.header.Accept',
            // data capture records the caller's id, which model-quality monitoring joins the labels on
            'integration.request.header.X-Amzn-SageMaker-Inference-Id': 'method.request.header.X-Inference-Id',
          },
        }),
      });
    });

    test('THEN answers pass through as 200 and SageMaker errors become 400, 429 or 502 with a JSON body', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        Integration: Match.objectLike({
          IntegrationResponses: [
            {
              StatusCode: '200',
              ResponseParameters: {
                'method.response.header.Content-Type': 'integration.response.header.Content-Type',
              },
            },
            {
              StatusCode: '400',
              SelectionPattern: '4(?!29)\\d{2}',
              ResponseParameters: ERROR_BODY,
              ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"requestId": "\\$context.requestId"') },
            },
            {
              StatusCode: '429',
              SelectionPattern: '429',
              ResponseParameters: ERROR_BODY,
              ResponseTemplates: { 'application/json': Match.stringLikeRegexp('retry with backoff') },
            },
            {
              StatusCode: '502',
              SelectionPattern: '5\\d{2}',
              ResponseParameters: ERROR_BODY,
              ResponseTemplates: { 'application/json': Match.stringLikeRegexp('failed to answer') },
            },
          ],
        }),
        MethodResponses: [
          { StatusCode: '200', ResponseParameters: { 'method.response.header.Content-Type': true } },
          ...['400', '429', '502'].map((StatusCode) => ({
            StatusCode,
            ResponseParameters: { 'method.response.header.Content-Type': true },
            ResponseModels: { 'application/json': 'Error' },
          })),
        ],
      });
    });

    test('THEN the 4xx error template returns the SageMaker message as valid JSON', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      const [method] = Object.values(template.findResources('AWS::ApiGateway::Method'));
      const clientError = method.Properties.Integration.IntegrationResponses[1].ResponseTemplates['application/json'];
      // SageMaker spells the field `message` or `Message`; escapeJavaScript escapes ' which JSON does not allow
      expect(clientError).toContain("$input.path('$.message')");
      expect(clientError).toContain("$input.path('$.Message')");
      expect(clientError).toContain('$util.escapeJavaScript("$!message").replaceAll("\\\\\'", "\'")');
    });

    test('THEN the integration role is trusted by API Gateway and may only invoke this endpoint', () => {
      // WHEN
      const { template } = givenAnApi({}, 'Churn-Dev');

      // THEN
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } })],
        },
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ChurnIntegrationRole') }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sagemaker:InvokeEndpoint',
              // SageMaker spells endpoint names in lower case in their ARNs
              Resource: arnOf(
                'sagemaker',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':endpoint/churn-dev',
              ),
            },
          ],
        },
      });
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('THEN the integration role gets its permission from the endpoint grant, not from a name', () => {
      // GIVEN
      const { stack, props } = givenAServingStack();
      const { endpoint } = props();
      const grantInvoke = jest.spyOn(endpoint, 'grantInvoke');

      // WHEN
      const api = new ModelApi(stack, 'Churn', props());

      // THEN
      expect(grantInvoke).toHaveBeenCalledTimes(1);
      expect(grantInvoke).toHaveBeenCalledWith(api.integrationRole);
      expect(api.endpoint).toBe(endpoint);
    });

    test('THEN the method waits for the role policy, so the API never goes live without its permission', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResource('AWS::ApiGateway::Method', {
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ChurnIntegrationRolePolicy')]),
      });
    });

    test('THEN stage v1 is traced, throttled at 50/100 and logs JSON lines to the access log group', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        TracingEnabled: true,
        AccessLogSetting: {
          DestinationArn: arnOf('logs', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', {
            Ref: Match.stringLikeRegexp('^ChurnAccessLogs'),
          }),
          Format: Match.anyValue(),
        },
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
            DataTraceEnabled: false,
            LoggingLevel: 'OFF',
          },
        ],
      });
    });

    test('THEN each access log line is JSON with request id, caller ARN, status, latency and integration status', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));
      const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
      expect(format).toEqual(
        expect.objectContaining({
          requestId: '$context.requestId',
          userArn: '$context.identity.userArn',
          status: '$context.status',
          responseLatency: '$context.responseLatency',
          integrationStatus: '$context.integration.status',
          integrationLatency: '$context.integration.latency',
        }),
      );
    });

    test('THEN the access log group is KMS-encrypted with the logs key, keeps logs as told and is retained', () => {
      // WHEN
      const { template, shared, logsKey } = givenAnApi();

      // THEN
      const keyLogicalId = shared.resolve(logsKey.keyArn)['Fn::GetAtt'][0];
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          KmsKeyId: { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(keyLogicalId) }) },
          RetentionInDays: 30,
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('THEN it is a regional API with no Lambda, no account-wide CloudWatch role and no condition', () => {
      // WHEN
      const { template } = givenAnApi();

      // THEN
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        Name: 'churn-dev',
        EndpointConfiguration: { Types: ['REGIONAL'] },
      });
      template.resourceCountIs('AWS::Lambda::Function', 0);
      template.resourceCountIs('AWS::ApiGateway::Account', 0);
      for (const resource of Object.values(template.toJSON().Resources) as { Condition?: string }[]) {
        expect(resource.Condition).toBeUndefined();
      }
    });
  });

  test('GIVEN custom content types, throttle and removal policy THEN they replace the defaults', () => {
    // WHEN
    const { template } = givenAnApi({
      contentTypes: ['application/jsonlines'],
      throttle: { rateLimit: 5, burstLimit: 10 },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // THEN
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: Match.objectLike({ RequestTemplates: { 'application/jsonlines': '$input.body' } }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('GIVEN a condition THEN every resource and the URL output carry it, including those API Gateway adds', () => {
    // GIVEN
    const { stack, approvedVersionCondition, props } = givenAServingStack();

    // WHEN
    new ModelApi(stack, 'Churn', props({ condition: approvedVersionCondition() }));

    // THEN
    const json = Template.fromStack(stack).toJSON();
    const resources = Object.values(json.Resources) as { Type: string; Condition?: string }[];
    expect(resources.map((r) => r.Type)).toEqual(
      expect.arrayContaining(['AWS::ApiGateway::Deployment', 'AWS::ApiGateway::Stage', 'AWS::IAM::ManagedPolicy']),
    );
    for (const resource of resources) expect(resource).toMatchObject({ Condition: 'VersionApproved' });
    for (const output of Object.values(json.Outputs ?? {}))
      expect(output).toMatchObject({ Condition: 'VersionApproved' });
  });

  test('GIVEN grantInvoke THEN the grantee may call execute-api:Invoke on POST /invocations of stage v1 only', () => {
    // GIVEN
    const { stack, api } = givenAnApi();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    api.grantInvoke(caller);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Resource: arnOf(
              'execute-api',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':',
              { Ref: Match.stringLikeRegexp('^ChurnApi') },
              '/v1/POST/invocations',
            ),
          },
        ],
      },
    });
  });

  test('GIVEN the url THEN it is the HTTPS URL of /invocations on stage v1', () => {
    // GIVEN
    const { stack, api } = givenAnApi();

    // WHEN
    const url = stack.resolve(api.url);

    // THEN
    expect(url).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: expect.stringMatching(/^ChurnApi/) },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
          { Ref: expect.stringMatching(/^ChurnApiDeploymentStagev1/) },
          '/invocations',
        ],
      ],
    });
  });

  test('GIVEN metric props THEN they override the documented defaults of the stage v1 metrics', () => {
    // GIVEN
    const { api } = givenAnApi();

    // WHEN
    const latency = api.metricLatency();
    const serverErrors = api.metricServerErrors();
    const clientErrors = api.metricClientErrors({ statistic: 'Average' });

    // THEN
    expect(latency).toMatchObject({ namespace: 'AWS/ApiGateway', metricName: 'Latency', statistic: 'p99' });
    expect(latency.period.toMinutes()).toBe(5);
    expect(latency.dimensions).toEqual({ ApiName: 'churn-dev', Stage: expect.anything() });
    expect(serverErrors).toMatchObject({ metricName: '5XXError', statistic: 'Sum' });
    expect(clientErrors).toMatchObject({ metricName: '4XXError', statistic: 'Average' });
  });

  describe('GIVEN invalid props', () => {
    const invalid = (overrides: Partial<ModelApiProps>) => () => {
      const { stack, props } = givenAServingStack();
      new ModelApi(stack, 'Churn', props(overrides));
    };

    test.each<[string, Partial<ModelApiProps>, RegExp]>([
      ['an empty api name', { apiName: ' ' }, /apiName must not be empty, got ' '/],
      ['no content types', { contentTypes: [] }, /contentTypes must name at least one content type, got none/],
      ['a content type that is no media type', { contentTypes: ['csv'] }, /contentTypes must hold .*, got 'csv'/],
      [
        'a repeated content type',
        { contentTypes: ['text/csv', 'text/csv'] },
        /contentTypes must not repeat a type, got 'text\/csv' twice/,
      ],
      [
        'logs kept forever',
        { logRetention: logs.RetentionDays.INFINITE },
        /logRetention must be a finite number of days, got INFINITE/,
      ],
      [
        'a rate of 0',
        { throttle: { rateLimit: 0, burstLimit: 10 } },
        /throttle\.rateLimit must be greater than 0, got 0/,
      ],
      [
        'a fractional burst',
        { throttle: { rateLimit: 10, burstLimit: 1.5 } },
        /throttle\.burstLimit must be a whole number of at least 1, got 1\.5/,
      ],
    ])('WHEN %s THEN it throws naming the bad value', (_, overrides, message) => {
      expect(invalid(overrides)).toThrow(message);
    });

    test('WHEN several props are bad THEN one error lists every problem', () => {
      expect(invalid({ apiName: '', throttle: { rateLimit: -1, burstLimit: 0 } })).toThrow(
        /^invalid model api 'Serving\/Churn':\n- apiName .*got ''\n- throttle\.rateLimit .*got -1\n- throttle\.burstLimit .*got 0$/,
      );
    });

    test('WHEN the condition belongs to another stack THEN it throws', () => {
      const { shared, stack, props } = givenAServingStack();
      const foreign = new CfnCondition(shared, 'Foreign', { expression: Fn.conditionEquals('a', 'a') });
      expect(() => new ModelApi(stack, 'Churn', props({ condition: foreign }))).toThrow(
        /condition 'Shared\/Foreign' must belong to the stack of the API/,
      );
    });

    test('WHEN values are tokens THEN they are left to deploy time', () => {
      expect(
        invalid({
          apiName: Token.asString({ Ref: 'ApiName' }),
          throttle: { rateLimit: Token.asNumber({ Ref: 'Rate' }), burstLimit: Token.asNumber({ Ref: 'Burst' }) },
        }),
      ).not.toThrow();
    });
  });

  test('GIVEN the API THEN each exception is one acknowledged finding on the stage or method, with a reason', () => {
    // WHEN
    const { api } = givenAnApi();

    // THEN
    const acknowledged = acknowledgementsUnder(api);
    expect(acknowledged.map(({ path, id }) => `${id} at ${path}`).sort()).toEqual(
      [
        'AwsSolutions-APIG3 at Serving/Churn/Api/DeploymentStage.v1',
        'AwsSolutions-APIG6 at Serving/Churn/Api/DeploymentStage.v1',
        'AwsSolutions-COG4 at Serving/Churn/Api/Default/invocations/POST',
        'NIST.800.53.R5-APIGWAssociatedWithWAF at Serving/Churn/Api/DeploymentStage.v1',
        'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted at Serving/Churn/Api/DeploymentStage.v1',
        'NIST.800.53.R5-APIGWExecutionLoggingEnabled at Serving/Churn/Api/DeploymentStage.v1',
        'NIST.800.53.R5-APIGWSSLEnabled at Serving/Churn/Api/DeploymentStage.v1',
      ].sort(),
    );
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
  });

  test.each([
    ['without', false],
    ['with', true],
  ])('GIVEN an API %s a condition THEN cdk-nag finds nothing in the serving stack', (_, conditional) => {
    // GIVEN
    const { app, stack, approvedVersionCondition, props } = givenAServingStack();
    new ModelApi(stack, 'Churn', props(conditional ? { condition: approvedVersionCondition() } : {}));

    // WHEN
    app.synth();

    // THEN
    const violations = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
      pack.validateScope(stack).violations.map((v) => v.ruleName),
    );
    expect(violations).toEqual([]);
  });
});

/** Every acknowledgement recorded on `scope` or below it, one entry per finding. */
function acknowledgementsUnder(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}
