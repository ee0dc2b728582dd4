import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { Catalog } from '../../lambda/portfolio-inventory/catalog';
import { type NotificationsConfig, notificationsBySeverity, reachesAnyone } from '../config/notifications';
import { AlarmRouting } from '../constructs/alarm-routing';
import { allowAlarmsAndEvents, allowCloudWatchLogs } from '../constructs/key-policies';
import { PortfolioInventory, type PortfolioSender } from '../constructs/portfolio-inventory';
import { portfolioBusName, portfolioKeyAlias, portfolioStackName, portfolioTableName } from '../naming';
import { applyPlatformTags } from '../tagging';

export interface PortfolioStackProps extends Omit<StackProps, 'env' | 'stackName' | 'crossRegionReferences'> {
  readonly project: string;
  /** Account and region of the portfolio: the tooling account, or the one config `portfolio` names. */
  readonly location: { readonly account: string; readonly region: string };
  /** The environments whose events the inventory records, with the role each forwards them with. */
  readonly senders: readonly PortfolioSender[];
  /** Project, environments and models, as the updater checks events against them. */
  readonly catalog: Catalog;
  /**
   * Who hears of the portfolio's own failures (dead letters, updater errors): its critical targets.
   * @default - nobody; the alarms still show in CloudWatch
   */
  readonly notifications?: NotificationsConfig;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Extra cost-allocation tags. */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Stage 5: the model portfolio in the tooling account (ADR 0028). The portfolio bus admits only the environments'
 * forwarding roles; the inventory keeps one record per model and environment; the updater folds every event into
 * its record. It holds no reference to any environment's stacks: the environments find the bus by name.
 */
export class PortfolioStack extends Stack {
  readonly key: kms.Key;
  readonly alarmTopic: sns.Topic;
  readonly inventory: PortfolioInventory;

  constructor(scope: Construct, id: string, props: PortfolioStackProps) {
    const { project, location, senders, catalog, notifications, logRetention, tags, description, ...stackProps } =
      props;
    super(scope, id, {
      ...stackProps,
      stackName: portfolioStackName(project),
      env: { account: location.account, region: location.region },
      description: description ?? `${project} tooling: model portfolio bus and inventory (stage 5)`,
      terminationProtection: props.terminationProtection ?? true,
    });

    this.key = new kms.Key(this, 'Key', {
      alias: portfolioKeyAlias(project),
      description: `Model portfolio inventory, logs and alarms of ${project}`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts the updater's log group with the key, only for log groups of this account and region
    allowCloudWatchLogs(this.key);
    // alarms publish to the encrypted topic, and EventBridge leaves undeliverable events in the encrypted queue
    allowAlarmsAndEvents(this.key, 'AllowAlarmsAndEventsOfThisAccount');
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${project} portfolio alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    const critical = notifications && notificationsBySeverity(notifications).critical;
    if (critical && reachesAnyone(critical)) {
      new AlarmRouting(this, 'AlarmRouting', {
        routes: [{ topic: this.alarmTopic, targets: critical }],
        notifierName: portfolioStackName(project),
        deadLetterKey: this.key,
      });
    }

    this.inventory = new PortfolioInventory(this, 'Inventory', {
      busName: portfolioBusName(project),
      tableName: portfolioTableName(project),
      senders,
      catalog,
      key: this.key,
      logRetention: logRetention ?? logs.RetentionDays.ONE_YEAR,
      alarmTopic: this.alarmTopic,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    applyPlatformTags(this, { project, environment: 'tooling', extraTags: tags });
  }
}
