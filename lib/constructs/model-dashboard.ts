import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DRIFT_METRICS } from '../vocabulary';
import type { IModelEndpoint } from './model-endpoint';
import type { ModelMonitor } from './model-monitor';

/** Namespace of the metrics that SageMaker Pipelines publishes per pipeline. */
export const PIPELINE_METRICS_NAMESPACE = 'AWS/Sagemaker/ModelBuildingPipeline';

export interface ModelDashboardProps {
  readonly dashboardName: string;
  /** The model, for titles. */
  readonly modelName: string;
  /**
   * The real-time endpoint: traffic, latency and errors.
   * @default - no endpoint rows (a batch-only model)
   */
  readonly endpoint?: IModelEndpoint;
  /**
   * Model Monitor of the endpoint: drift per feature and live model quality.
   * @default - no monitoring rows (no endpoint, or a serverless one, which cannot capture data)
   */
  readonly monitor?: ModelMonitor;
  /** Features whose drift the dashboard graphs (with `monitor`). */
  readonly features?: readonly string[];
  /** Live model metric graphed against its minimum (with `monitor`), such as `auc`. */
  readonly qualityMetric?: { readonly name: string; readonly minimum: number };
  /**
   * The training pipeline: runs started, succeeded and failed.
   * @default - no pipeline row
   */
  readonly pipelineName?: string;
  /**
   * Namespace and dimensions of the retraining trigger's decision metric.
   * @default - no retraining row
   */
  readonly retrainingDecisions?: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
  };
  /**
   * Alarms, by name, whose state the dashboard shows: names need no reference to another stack, nor to a
   * resource that exists only under a condition.
   * @default - none
   */
  readonly alarmNames?: readonly string[];
  /**
   * The drift metric contract of the platform's drift job (stage 5, `DRIFT_METRICS`): one row of PSI, samples and
   * violations per window.
   * @default - no drift row
   */
  readonly driftContract?: { readonly environmentName: string; readonly windowHours: number };
}

const FULL = 24;
const HALF = 12;
const THIRD = 8;

/**
 * The CloudWatch dashboard of one model in one environment: traffic, latency and errors of the endpoint, drift
 * per feature and live model quality from Model Monitor, training pipeline runs, retraining decisions, and the
 * state of every alarm of the model. Typed widgets of aws-cloudwatch (ADR 0012).
 */
export class ModelDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ModelDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${props.modelName}\nRunbook of every alarm: docs/runbooks/model-alarms.md in the platform repository.`,
        width: FULL,
        height: 2,
      }),
    );
    const alarms = (props.alarmNames ?? []).map((name, i) => cloudwatch.Alarm.fromAlarmName(this, `Alarm${i}`, name));
    if (alarms.length > 0) {
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: FULL, height: 3 }));
    }
    if (props.endpoint) this.addEndpointRow(props.endpoint);
    if (props.monitor) this.addMonitoringRow(props.monitor, props.features ?? [], props.qualityMetric);
    if (props.driftContract) this.addDriftContractRow(props.modelName, props.driftContract);
    const lifecycle: cloudwatch.IWidget[] = [];
    if (props.pipelineName) lifecycle.push(this.pipelineWidget(props.pipelineName));
    if (props.retrainingDecisions) lifecycle.push(this.retrainingWidget(props.retrainingDecisions));
    if (lifecycle.length > 0) this.dashboard.addWidgets(...lifecycle);
  }

  private addEndpointRow(endpoint: IModelEndpoint): void {
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Traffic (requests per 5 minutes)',
        left: [endpoint.metricInvocations({ label: 'Invocations' })],
        width: THIRD,
      }),
      new cloudwatch.GraphWidget({
        title: 'Model latency (microseconds)',
        left: [
          endpoint.metricModelLatency({ statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          endpoint.metricModelLatency({ label: 'p99' }),
          endpoint.metric('OverheadLatency', { statistic: cloudwatch.Stats.p(99), label: 'overhead p99' }),
        ],
        width: THIRD,
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors',
        left: [
          endpoint.metricInvocation4XXErrors({ label: '4xx' }),
          endpoint.metricInvocation5XXErrors({ label: '5xx' }),
          endpoint.metric('ModelSetupTime', { statistic: cloudwatch.Stats.MAXIMUM, label: 'cold start (serverless)' }),
        ],
        width: THIRD,
      }),
    );
  }

  private addMonitoringRow(
    monitor: ModelMonitor,
    features: readonly string[],
    qualityMetric: ModelDashboardProps['qualityMetric'],
  ): void {
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'Drift from the training data, per feature',
        left: features.map((feature) => monitor.metricFeatureDrift(feature)),
        leftYAxis: { min: 0 },
        width: qualityMetric && monitor.modelQualitySchedule ? HALF : FULL,
      }),
    ];
    if (qualityMetric && monitor.modelQualitySchedule) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `Live ${qualityMetric.name} against the approval minimum`,
          left: [monitor.metricModelQuality(qualityMetric.name, { label: qualityMetric.name })],
          leftAnnotations: [{ value: qualityMetric.minimum, label: 'minimum' }],
          width: HALF,
        }),
      );
    }
    this.dashboard.addWidgets(...widgets);
  }

  private addDriftContractRow(modelName: string, contract: NonNullable<ModelDashboardProps['driftContract']>): void {
    const { names, dimensions } = DRIFT_METRICS;
    const metric = (metricName: string, label: string, statistic: string = cloudwatch.Stats.MAXIMUM) =>
      new cloudwatch.Metric({
        namespace: DRIFT_METRICS.namespace,
        metricName,
        dimensionsMap: { [dimensions.environment]: contract.environmentName, [dimensions.model]: modelName },
        statistic,
        period: Duration.hours(contract.windowHours),
        label,
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Drift per window (platform drift job): largest feature PSI and prediction PSI',
        left: [metric(names.maxFeaturePsi, 'max feature PSI'), metric(names.predictionPsi, 'prediction PSI')],
        width: HALF,
      }),
      new cloudwatch.GraphWidget({
        title: 'Violations and samples per window',
        left: [
          metric(names.dataDrift, 'data drift (1 = violating)'),
          metric(names.qualityViolation, 'quality violation'),
          metric(names.insufficientData, 'insufficient data'),
        ],
        right: [metric(names.samples, 'samples'), metric(names.schemaViolations, 'schema violations')],
        width: HALF,
      }),
    );
  }

  private pipelineWidget(pipelineName: string): cloudwatch.IWidget {
    const runs = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: PIPELINE_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { PipelineName: pipelineName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.days(1),
        label,
      });
    return new cloudwatch.GraphWidget({
      title: 'Training pipeline runs per day',
      left: [
        runs('ExecutionStarted', 'started'),
        runs('ExecutionSucceeded', 'succeeded'),
        runs('ExecutionFailed', 'failed'),
      ],
      view: cloudwatch.GraphWidgetView.BAR,
      width: HALF,
    });
  }

  private retrainingWidget(decisions: NonNullable<ModelDashboardProps['retrainingDecisions']>): cloudwatch.IWidget {
    const filter = Object.entries({ MetricName: decisions.metricName, ...decisions.dimensions })
      .map(([key, value]) => `${key}="${value}"`)
      .join(' ');
    const dimensionNames = [...Object.keys(decisions.dimensions), 'Decision', 'Reason'].join(',');
    return new cloudwatch.GraphWidget({
      title: 'Retraining decisions on new data, by reason',
      left: [
        new cloudwatch.MathExpression({
          // one line per decision and reason that occurred, without listing the reasons here
          expression: `SEARCH('{${decisions.namespace},${dimensionNames}} ${filter}', 'Sum', 3600)`,
          label: '',
          period: Duration.hours(1),
        }),
      ],
      width: HALF,
    });
  }
}
