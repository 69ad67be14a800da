import { Cron } from 'croner';

/** When a timer function runs next: a 6-field NCRONTAB expression or the host's "hh:mm:ss" interval. */
export interface Schedule {
  next(after: Date): Date | undefined;
  /** How often it runs at most, for the host's past-due rule. */
  describe: string;
}

export class InvalidScheduleError extends Error {}

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;

export function parseSchedule(expression: string, timezone = 'UTC'): Schedule {
  const text = expression.trim();
  const span = TIMESPAN.exec(text);
  if (span) {
    const [, days, h, m, s] = span;
    const ms = (((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
    if (ms <= 0) throw new InvalidScheduleError(`"${expression}" is a zero interval.`);
    return { next: (after) => new Date(after.getTime() + ms), describe: `every ${text}` };
  }
  if (text.split(/\s+/).length !== 6) {
    throw new InvalidScheduleError(
      `"${expression}" is not a 6-field NCRONTAB expression (seconds first) or hh:mm:ss interval.`,
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { timezone, paused: true });
  } catch (error) {
    throw new InvalidScheduleError(`"${expression}" is not a valid NCRONTAB expression: ${(error as Error).message}`);
  }
  return { next: (after) => cron.nextRun(after) ?? undefined, describe: text };
}
