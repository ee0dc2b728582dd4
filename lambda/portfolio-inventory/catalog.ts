/**
 * What the inventory knows of the platform before any event arrives: the project, the environments with their
 * accounts, and the models with what the config says of them (owner, lifecycle). The portfolio stack writes it into
 * the function's environment from the config, so an event that names anything else is ignored.
 */

/** Names of the environment variables the updater reads; the construct sets them from the same list. */
export const ENV = {
  tableName: 'INVENTORY_TABLE_NAME',
  catalog: 'PORTFOLIO_CATALOG',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

export const DEFAULT_SERVICE_NAME = 'portfolio-inventory';

export interface CatalogEnvironment {
  readonly name: string;
  /** The only account whose events may speak for this environment. */
  readonly account: string;
  readonly region: string;
}

export interface CatalogModel {
  readonly name: string;
  /** @default - no owner recorded */
  readonly owner?: string;
  /** @default 'active' */
  readonly lifecycle?: string;
}

export interface Catalog {
  readonly project: string;
  readonly environments: readonly CatalogEnvironment[];
  readonly models: readonly CatalogModel[];
}

export interface UpdaterConfig {
  readonly tableName: string;
  readonly catalog: Catalog;
  readonly serviceName: string;
}

/** Reads the configuration from the environment; throws once, listing every missing or bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): UpdaterConfig {
  const problems: string[] = [];
  const tableName = env[ENV.tableName]?.trim() ?? '';
  if (tableName === '') problems.push(`${ENV.tableName} is not set`);
  const catalog = parseCatalog(env[ENV.catalog], problems);
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  return { tableName, catalog: catalog as Catalog, serviceName: env[ENV.serviceName]?.trim() || DEFAULT_SERVICE_NAME };
}

function parseCatalog(raw: string | undefined, problems: string[]): Catalog | undefined {
  if (!raw?.trim()) {
    problems.push(`${ENV.catalog} is not set`);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    problems.push(`${ENV.catalog} is not JSON: ${(error as Error).message}`);
    return undefined;
  }
  const problem = catalogProblem(value);
  if (problem) {
    problems.push(`${ENV.catalog}: ${problem}`);
    return undefined;
  }
  return value as Catalog;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a value is not a {@link Catalog}, or undefined when it is one. */
export function catalogProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected an object';
  if (typeof value.project !== 'string' || value.project === '') return 'project: expected a name';
  if (!Array.isArray(value.environments) || value.environments.length === 0) {
    return 'environments: expected at least one environment';
  }
  for (const [i, e] of value.environments.entries()) {
    if (
      !isRecord(e) ||
      typeof e.name !== 'string' ||
      !/^\d{12}$/.test(String(e.account)) ||
      typeof e.region !== 'string'
    ) {
      return `environments[${i}]: expected { name, account (12 digits), region }`;
    }
  }
  if (!Array.isArray(value.models)) return 'models: expected a list';
  for (const [i, m] of value.models.entries()) {
    if (!isRecord(m) || typeof m.name !== 'string' || m.name === '') return `models[${i}]: expected { name }`;
  }
  return undefined;
}
