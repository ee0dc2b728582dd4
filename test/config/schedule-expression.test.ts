import { modelMonitorCronProblem, schedulerExpressionProblem } from '../../lib/config/schedule-expression';

describe('EventBridge Scheduler expressions', () => {
  test.each([
    'cron(0 3 * * ? *)',
    'cron(0 3 ? * SUN *)',
    'cron(0/15 * * * ? *)',
    'cron(*/5 8-17 ? * MON-FRI *)',
    'cron(0 12 L * ? 2030)',
    'cron(0 12 15W JAN,JUL ? *)',
    'cron(0 9 ? * FRI#3 *)',
    'cron(0 9 ? * 6L 2025-2030)',
    'cron(30 23 1 1-12/3 ? 1970)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'at(2030-01-31T08:00:00)',
  ])('GIVEN %s WHEN checked THEN it is accepted', (expression) => {
    expect(schedulerExpressionProblem(expression)).toBeUndefined();
  });

  test.each([
    ['cron(61 3 * * ? *)', '"cron(61 3 * * ? *)" has minute 61; minutes go from 0 to 59'],
    ['cron(0 24 * * ? *)', '"cron(0 24 * * ? *)" has hour 24; hours go from 0 to 23'],
    ['cron(0 3 32 * ? *)', '"cron(0 3 32 * ? *)" has day-of-month 32; days of month go from 1 to 31 (also ?, L and W)'],
    ['cron(0 3 0W * ? *)', '"cron(0 3 0W * ? *)" has day-of-month 0; days of month go from 1 to 31 (also ?, L and W)'],
    ['cron(0 3 * 13 ? *)', '"cron(0 3 * 13 ? *)" has month 13; months go from 1 to 12 (also JAN to DEC)'],
    [
      'cron(0 3 * JANUARY ? *)',
      '"cron(0 3 * JANUARY ? *)" has month "JANUARY"; months go from 1 to 12 (also JAN to DEC), with * , - and /',
    ],
    [
      'cron(0 3 ? * 8 *)',
      '"cron(0 3 ? * 8 *)" has day-of-week 8; days of week go from 1 to 7 (also SUN to SAT, ?, L and #)',
    ],
    [
      'cron(0 3 ? * MON#6 *)',
      '"cron(0 3 ? * MON#6 *)" has day-of-week "MON#6"; after # comes the week of the month, 1 to 5, as in "FRI#3"',
    ],
    ['cron(0 3 * * ? 2200)', '"cron(0 3 * * ? 2200)" has year 2200; years go from 1970 to 2199'],
    [
      'cron(0/0 3 * * ? *)',
      '"cron(0/0 3 * * ? *)" has minute "0/0"; the increment after / must be a whole number from 1',
    ],
    ['cron(? 3 * * ? *)', '"cron(? 3 * * ? *)" has ? as minute; only day-of-month and day-of-week take ?'],
    [
      'cron(0 3 * * *)',
      '"cron(0 3 * * *)" has 5 fields; EventBridge Scheduler cron needs 6: minutes hours day-of-month month day-of-week year, for example "cron(0 3 * * ? *)"',
    ],
    [
      'cron(0 3 * * * *)',
      '"cron(0 3 * * * *)" has neither day-of-month nor day-of-week as ?; exactly one of them must be ?, for example "cron(0 3 * * ? *)" (every day) or "cron(0 3 ? * MON *)" (Mondays)',
    ],
    [
      'cron(0 3 ? * ? *)',
      '"cron(0 3 ? * ? *)" has ? in both day-of-month and day-of-week; exactly one of them must be ?, for example "cron(0 3 * * ? *)" (every day) or "cron(0 3 ? * MON *)" (Mondays)',
    ],
    ['rate(0 minutes)', '"rate(0 minutes)" has rate value "0"; it must be a whole number from 1'],
    ['rate(1 days)', '"rate(1 days)" has a value of 1 with the plural "days"; write "rate(1 day)"'],
    ['rate(2 hour)', '"rate(2 hour)" has a value of 2 with the singular "hour"; write "rate(2 hours)"'],
    ['rate(1 week)', '"rate(1 week)" has unit "week"; use minute(s), hour(s) or day(s), for example "rate(1 day)"'],
    ['rate(daily)', '"rate(daily)" is not "rate(value unit)"; for example "rate(1 day)" or "rate(12 hours)"'],
    [
      'at(2030-02-30T08:00:00)',
      '"at(2030-02-30T08:00:00)" is not a date and time that exists; check the day, month and hours',
    ],
    [
      'at(2030-01-31 08:00)',
      '"at(2030-01-31 08:00)" is not "at(yyyy-mm-ddThh:mm:ss)"; for example "at(2030-01-31T08:00:00)"',
    ],
    [
      'daily',
      '"daily" is not an EventBridge Scheduler expression; use "cron(minutes hours day-of-month month day-of-week year)", "rate(N minutes|hours|days)" or "at(yyyy-mm-ddThh:mm:ss)", for example "cron(0 3 * * ? *)"',
    ],
  ])('GIVEN %s WHEN checked THEN the message names the wrong part', (expression, message) => {
    expect(schedulerExpressionProblem(expression)).toBe(message);
  });
});

describe('SageMaker Model Monitor schedules', () => {
  test.each([
    'cron(0 * ? * * *)',
    'cron(0 0 ? * * *)',
    'cron(0 12 ? * * *)',
    'cron(0 00 ? * * *)',
    'cron(0 17/12 ? * * *)',
    'cron(0 0/2 ? * * *)',
  ])('GIVEN %s WHEN checked THEN it is accepted', (expression) => {
    expect(modelMonitorCronProblem(expression)).toBeUndefined();
  });

  const forms =
    'Model Monitor takes only "cron(0 * ? * * *)" (hourly), "cron(0 H ? * * *)" (daily at hour H, 0 to 23) and "cron(0 H/N ? * * *)" (every N hours from H, N from 1 to 24)';

  test.each([
    [
      'cron(30 * ? * * *)',
      `"cron(30 * ? * * *)" has minute "30"; Model Monitor runs on the hour, so minute must be 0; ${forms}`,
    ],
    [
      'cron(0 3 * * ? *)',
      `"cron(0 3 * * ? *)" ends in "* * ? *"; Model Monitor needs "? * * *" after the hour; ${forms}`,
    ],
    [
      'cron(0 3 ? * MON *)',
      `"cron(0 3 ? * MON *)" ends in "? * MON *"; Model Monitor needs "? * * *" after the hour; ${forms}`,
    ],
    ['cron(0 24 ? * * *)', `"cron(0 24 ? * * *)" has hour "24"; ${forms}`],
    ['cron(0 1-5 ? * * *)', `"cron(0 1-5 ? * * *)" has hour "1-5"; ${forms}`],
    [
      'cron(0 0/25 ? * * *)',
      `"cron(0 0/25 ? * * *)" runs every 25 hours; the increment after / goes from 1 to 24; ${forms}`,
    ],
    ['cron(0 * ? * *)', `"cron(0 * ? * *)" has 5 fields, not 6; ${forms}`],
    ['rate(1 hour)', `"rate(1 hour)" is not a cron expression; ${forms}`],
  ])('GIVEN %s WHEN checked THEN the message names the wrong part and the forms allowed', (expression, message) => {
    expect(modelMonitorCronProblem(expression)).toBe(message);
  });
});
