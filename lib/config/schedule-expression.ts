/**
 * Schedule expressions parsed field by field, so a config names the wrong part at synth instead of the service
 * refusing the whole expression at deploy. Pure functions: each returns `undefined` for a good expression, or the
 * problem as the rest of a config message (`"cron(61 3 * * ? *)" has minute 61; minutes go from 0 to 59`), which
 * the caller prefixes with the field path.
 */

const q = (value: string): string => JSON.stringify(value);

/** An example of each form, quoted by the messages. */
export const SCHEDULER_CRON_EXAMPLE = 'cron(0 3 * * ? *)';
export const MODEL_MONITOR_CRON_EXAMPLE = 'cron(0 0 ? * * *)';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  /** As a message names one value: `minute 61`. */
  readonly singular: string;
  /** As a message names the range: `minutes go from 0 to 59`. */
  readonly plural: string;
  readonly min: number;
  readonly max: number;
  /** Names that stand for numbers, from `min`: JAN=1, SUN=1. */
  readonly names?: readonly string[];
  /** What else the field takes, for the message. */
  readonly extra?: string;
}

const CRON_FIELDS: readonly CronField[] = [
  { singular: 'minute', plural: 'minutes', min: 0, max: 59 },
  { singular: 'hour', plural: 'hours', min: 0, max: 23 },
  { singular: 'day-of-month', plural: 'days of month', min: 1, max: 31, extra: '?, L and W' },
  { singular: 'month', plural: 'months', min: 1, max: 12, names: MONTHS, extra: 'JAN to DEC' },
  { singular: 'day-of-week', plural: 'days of week', min: 1, max: 7, names: WEEKDAYS, extra: 'SUN to SAT, ?, L and #' },
  { singular: 'year', plural: 'years', min: 1970, max: 2199 },
];

const DAY_OF_MONTH = 2;
const DAY_OF_WEEK = 4;

function allowed(field: CronField): string {
  const range = `${field.plural} go from ${field.min} to ${field.max}`;
  return field.extra ? `${range} (also ${field.extra})` : range;
}

/** The number a single value of a field stands for, or a problem. */
function valueProblem(expression: string, field: CronField, value: string): string | undefined {
  if (field.names?.includes(value.toUpperCase())) return undefined;
  if (!/^\d+$/.test(value)) {
    return `${q(expression)} has ${field.singular} ${q(value)}; ${allowed(field)}, with * , - and /`;
  }
  const n = Number(value);
  if (n < field.min || n > field.max) return `${q(expression)} has ${field.singular} ${n}; ${allowed(field)}`;
  return undefined;
}

/** One comma-separated item of a field: `*`, `5`, `1-5`, `0/15`, `*\/15`, `MON-FRI`, and the L, W, # forms. */
function itemProblem(expression: string, index: number, item: string): string | undefined {
  const field = CRON_FIELDS[index] as CronField;
  if (item === '*') return undefined;
  if (index === DAY_OF_MONTH && /^(L|LW|L-\d+)$/i.test(item)) return undefined;
  if (index === DAY_OF_MONTH && /^\d+W$/i.test(item)) return valueProblem(expression, field, item.slice(0, -1));
  if (index === DAY_OF_WEEK && /^L$/i.test(item)) return undefined;
  if (index === DAY_OF_WEEK && /^[A-Z0-9]+L$/i.test(item)) return valueProblem(expression, field, item.slice(0, -1));
  if (index === DAY_OF_WEEK && item.includes('#')) {
    const [day = '', nth = ''] = item.split('#');
    if (!/^[1-5]$/.test(nth)) {
      return `${q(expression)} has day-of-week ${q(item)}; after # comes the week of the month, 1 to 5, as in "FRI#3"`;
    }
    return valueProblem(expression, field, day);
  }
  const [base = '', step, ...rest] = item.split('/');
  if (rest.length > 0) return `${q(expression)} has ${field.singular} ${q(item)}; use one / at most, as in "0/15"`;
  if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) {
    return `${q(expression)} has ${field.singular} ${q(item)}; the increment after / must be a whole number from 1`;
  }
  if (base === '*' && step !== undefined) return undefined;
  const bounds = base.split('-');
  if (bounds.length > 2) return `${q(expression)} has ${field.singular} ${q(item)}; a range has two ends, as in "1-5"`;
  for (const bound of bounds) {
    const problem = valueProblem(expression, field, bound);
    if (problem) return problem;
  }
  return undefined;
}

function cronProblem(expression: string, body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `${q(expression)} has ${fields.length} field${fields.length === 1 ? '' : 's'}; EventBridge Scheduler cron needs 6: minutes hours day-of-month month day-of-week year, for example ${q(SCHEDULER_CRON_EXAMPLE)}`;
  }
  for (const [index, text] of fields.entries()) {
    if (text === '?') {
      if (index === DAY_OF_MONTH || index === DAY_OF_WEEK) continue;
      const field = CRON_FIELDS[index] as CronField;
      return `${q(expression)} has ? as ${field.singular}; only day-of-month and day-of-week take ?`;
    }
    for (const item of text.split(',')) {
      const problem = itemProblem(expression, index, item);
      if (problem) return problem;
    }
  }
  const dom = fields[DAY_OF_MONTH] === '?';
  const dow = fields[DAY_OF_WEEK] === '?';
  if (dom === dow) {
    const which = dom ? 'has ? in both day-of-month and day-of-week' : 'has neither day-of-month nor day-of-week as ?';
    return `${q(expression)} ${which}; exactly one of them must be ?, for example ${q(SCHEDULER_CRON_EXAMPLE)} (every day) or "cron(0 3 ? * MON *)" (Mondays)`;
  }
  return undefined;
}

function rateProblem(expression: string, body: string): string | undefined {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(body);
  if (!match) {
    return `${q(expression)} is not "rate(value unit)"; for example "rate(1 day)" or "rate(12 hours)"`;
  }
  const [, value = '', unit = ''] = match;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    return `${q(expression)} has rate value ${q(value)}; it must be a whole number from 1`;
  }
  const singular = ['minute', 'hour', 'day'];
  const plural = ['minutes', 'hours', 'days'];
  const n = Number(value);
  if (![...singular, ...plural].includes(unit)) {
    return `${q(expression)} has unit ${q(unit)}; use minute(s), hour(s) or day(s), for example "rate(1 day)"`;
  }
  if (n === 1 && plural.includes(unit)) {
    return `${q(expression)} has a value of 1 with the plural ${q(unit)}; write "rate(1 ${unit.slice(0, -1)})"`;
  }
  if (n !== 1 && singular.includes(unit)) {
    return `${q(expression)} has a value of ${n} with the singular ${q(unit)}; write "rate(${n} ${unit}s)"`;
  }
  return undefined;
}

function atProblem(expression: string, body: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) {
    return `${q(expression)} is not "at(yyyy-mm-ddThh:mm:ss)"; for example "at(2030-01-31T08:00:00)"`;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
  const valid =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === (month as number) - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!valid) return `${q(expression)} is not a date and time that exists; check the day, month and hours`;
  return undefined;
}

/**
 * Problem of an EventBridge Scheduler expression: `rate(N unit)`, `cron(min hour dom month dow year)` or
 * `at(yyyy-mm-ddThh:mm:ss)`, as the Scheduler user guide's "Schedule types" page defines them.
 */
export function schedulerExpressionProblem(expression: string): string | undefined {
  const match = /^(cron|rate|at)\((.*)\)$/.exec(expression);
  if (!match) {
    return `${q(expression)} is not an EventBridge Scheduler expression; use "cron(minutes hours day-of-month month day-of-week year)", "rate(N minutes|hours|days)" or "at(yyyy-mm-ddThh:mm:ss)", for example ${q(SCHEDULER_CRON_EXAMPLE)}`;
  }
  const [, kind, body = ''] = match;
  if (kind === 'cron') return cronProblem(expression, body);
  if (kind === 'rate') return rateProblem(expression, body);
  return atProblem(expression, body);
}

/**
 * Problem of a SageMaker Model Monitor schedule. Model Monitor takes only three cron forms, all with minute 0
 * and `? * * *` after the hour ("The cron expression for monitoring schedule",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-schedule-expression.html):
 * hourly `cron(0 * ? * * *)`, daily `cron(0 [00-23] ? * * *)` and every N hours `cron(0 [00-23]/[01-24] ? * * *)`.
 * Its one-off `NOW` keyword is left out: these schedules recur.
 */
export function modelMonitorCronProblem(expression: string): string | undefined {
  const forms =
    'Model Monitor takes only "cron(0 * ? * * *)" (hourly), "cron(0 H ? * * *)" (daily at hour H, 0 to 23) and "cron(0 H/N ? * * *)" (every N hours from H, N from 1 to 24)';
  const match = /^cron\((.*)\)$/.exec(expression);
  if (!match) return `${q(expression)} is not a cron expression; ${forms}`;
  const fields = (match[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) return `${q(expression)} has ${fields.length} fields, not 6; ${forms}`;
  const [minute, hour = '', ...rest] = fields;
  if (minute !== '0' && minute !== '00') {
    return `${q(expression)} has minute ${q(minute as string)}; Model Monitor runs on the hour, so minute must be 0; ${forms}`;
  }
  if (rest.join(' ') !== '? * * *') {
    return `${q(expression)} ends in ${q(rest.join(' '))}; Model Monitor needs "? * * *" after the hour; ${forms}`;
  }
  if (hour === '*') return undefined;
  const every = /^(\d{1,2})(?:\/(\d{1,2}))?$/.exec(hour);
  const start = every ? Number(every[1]) : Number.NaN;
  const step = every?.[2] === undefined ? 1 : Number(every[2]);
  if (!every || start > 23) return `${q(expression)} has hour ${q(hour)}; ${forms}`;
  if (step < 1 || step > 24) {
    return `${q(expression)} runs every ${step} hours; the increment after / goes from 1 to 24; ${forms}`;
  }
  return undefined;
}
