import { Cron } from 'croner';

/** A timer function's schedule, read the way the Functions host reads it. */
export interface Schedule {
  /** The expression after %Setting% substitution, e.g. "0 0 * * * *" or "00:30:00". */
  readonly expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  /** More than one occurrence a minute: the host never persists the status of such a schedule. */
  readonly subMinute: boolean;
}

export class InvalidScheduleError extends Error {}

/**
 * Replaces each %Name% with the app setting of that name, as the host's name resolver does for
 * binding expressions (so `schedule: '%RECONCILE_SCHEDULE%'` works). An unknown name is an error,
 * as it is under the host, rather than an empty schedule.
 */
export function resolveAppSettings(expression: string, settings: NodeJS.ProcessEnv = process.env): string {
  return expression.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = settings[name];
    if (value === undefined || value === '') {
      throw new InvalidScheduleError(`the app setting '${name}' it names (%${name}%) is not set`);
    }
    return value;
  });
}

/**
 * The time zone schedules run in: UTC, or WEBSITE_TIME_ZONE when set. Only IANA names
 * (e.g. "Europe/Berlin", as on Linux plans) are understood here; Windows names are not.
 */
export function scheduleTimeZone(settings: NodeJS.ProcessEnv = process.env): string {
  const zone = settings.WEBSITE_TIME_ZONE?.trim();
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidScheduleError(
      `WEBSITE_TIME_ZONE '${zone}' is not an IANA time zone name (e.g. 'Europe/Berlin'); devhost cannot use Windows zone names.`,
    );
  }
  return zone;
}

/**
 * Parses an NCRONTAB expression (6 fields with seconds first, or 5 fields from minutes; the host
 * accepts both) or, failing that, a TimeSpan interval "[d.]hh:mm[:ss]", in that order like the host.
 */
export function parseSchedule(expression: string, timeZone = 'UTC'): Schedule {
  const text = expression.trim();
  if (!text) throw new InvalidScheduleError('the schedule is empty');
  const fields = text.split(/\s+/);
  if (fields.length === 5 || fields.length === 6) return cronSchedule(text, fields, timeZone);
  const interval = parseTimeSpan(text);
  if (interval !== undefined) return intervalSchedule(text, interval);
  throw new InvalidScheduleError(
    'it is neither an NCRONTAB expression ("{second} {minute} {hour} {day} {month} {day-of-week}") nor an "hh:mm:ss" interval',
  );
}

/** Names NCRONTAB knows: months in the 5th field, days in the 6th (counted from the seconds field). */
const NAMES: Record<number, ReadonlySet<string>> = {
  4: new Set(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']),
  5: new Set(['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']),
};

function cronSchedule(text: string, fields: string[], timeZone: string): Schedule {
  // Index fields as if seconds were present, so NAMES lines up for 5-field expressions too.
  const offset = fields.length === 5 ? 1 : 0;
  fields.forEach((field, i) => checkNcrontabField(field, i + offset));
  let cron: Cron;
  try {
    // NCRONTAB requires both day-of-month and day-of-week to match (croner's default is either).
    cron = new Cron(text, { timezone: timeZone, domAndDow: true, mode: '5-or-6-parts' });
  } catch (error) {
    throw new InvalidScheduleError(`it is not a valid NCRONTAB expression: ${(error as Error).message}`);
  }
  const nextRun = (after: Date) => cron.nextRun(after) ?? undefined;
  const first = nextRun(new Date());
  if (!first) throw new InvalidScheduleError('it never occurs');
  const second = nextRun(first);
  return {
    expression: text,
    next: (after) => {
      const next = nextRun(after);
      // Unreachable: an NCRONTAB pattern has no year, so one that occurred once recurs.
      if (!next) throw new Error(`The schedule '${text}' has no occurrence after ${after.toISOString()}.`);
      return next;
    },
    subMinute: second !== undefined && second.getTime() - first.getTime() < 60_000,
  };
}

/**
 * croner understands more than NCRONTAB does ("L", "W", "#", "?", day 7). An expression using
 * those would run here and fail to start in Azure, so they are refused up front.
 */
function checkNcrontabField(field: string, index: number): void {
  if (/[?#]/.test(field)) throw new InvalidScheduleError(`NCRONTAB has no '?' or '#' (field '${field}')`);
  for (const part of field.split(',')) {
    const [range = '', step, ...extra] = part.split('/');
    if (extra.length > 0 || (step !== undefined && !/^\d+$/.test(step))) {
      throw new InvalidScheduleError(`'${part}' is not a valid step in field '${field}'`);
    }
    for (const token of range.split('-')) {
      if (token === '*' || /^\d+$/.test(token)) {
        if (index === 5 && Number(token) > 6) {
          throw new InvalidScheduleError(`NCRONTAB days of the week are 0-6 with Sunday 0 (field '${field}')`);
        }
      } else if (!NAMES[index]?.has(token.toUpperCase())) {
        throw new InvalidScheduleError(`'${token}' is not something NCRONTAB accepts in field '${field}'`);
      }
    }
  }
}

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/;

/** .NET TimeSpan text ("hh:mm:ss", "d.hh:mm:ss", "hh:mm") in milliseconds; undefined if not one. */
function parseTimeSpan(text: string): number | undefined {
  const m = TIMESPAN.exec(text);
  if (!m) return undefined;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}

function intervalSchedule(text: string, ms: number): Schedule {
  if (ms <= 0) throw new InvalidScheduleError('an interval must be longer than zero');
  return { expression: text, next: (after) => new Date(after.getTime() + ms), subMinute: ms < 60_000 };
}
