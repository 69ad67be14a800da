import { badRequest } from './errors';

/**
 * When the instances of a recurring access review start: Graph's patternedRecurrence, of which
 * access reviews honour the pattern's type, interval and dayOfMonth and the range. Pure date
 * arithmetic in UTC; no clock.
 */
export interface ReviewRecurrence {
  pattern: { type: 'weekly' | 'absoluteMonthly'; interval: number; dayOfMonth: number };
  range: { type: 'noEnd' | 'endDate' | 'numbered'; startDate: string; endDate: string | null; numberOfOccurrences: number };
}

const DAY_MS = 86_400_000;

/** The start of a range's startDate: a date (`2026-01-31`, midnight UTC) or a full ISO date-time. */
export function rangeStart(recurrence: Pick<ReviewRecurrence, 'range'>): Date {
  const text = recurrence.range.startDate;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(at.getTime())) throw badRequest(`settings.recurrence.range.startDate '${text}' is not a date (use yyyy-MM-dd).`, 'InvalidRecurrence');
  return at;
}

/** The last moment an occurrence may start at under an endDate range (the whole end day counts). */
function rangeEnd(recurrence: ReviewRecurrence): Date | undefined {
  if (recurrence.range.type !== 'endDate' || !recurrence.range.endDate) return undefined;
  const text = recurrence.range.endDate;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59.999Z`) : new Date(text);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The start of occurrence `index` (0 is the first), or undefined when the range has ended by
 * then. Monthly patterns keep the day of the month (dayOfMonth, else the start's), clamped to
 * short months, so a review started on the 31st runs on the last day of February.
 */
export function occurrenceStart(recurrence: ReviewRecurrence, index: number): Date | undefined {
  if (!Number.isInteger(index) || index < 0) return undefined;
  if (recurrence.range.type === 'numbered' && index >= recurrence.range.numberOfOccurrences) return undefined;
  const first = rangeStart(recurrence);
  let at: Date;
  if (recurrence.pattern.type === 'weekly') {
    at = new Date(first.getTime() + index * recurrence.pattern.interval * 7 * DAY_MS);
  } else {
    const months = first.getUTCMonth() + index * recurrence.pattern.interval;
    const year = first.getUTCFullYear() + Math.floor(months / 12);
    const month = months % 12;
    const wanted = index === 0 || recurrence.pattern.dayOfMonth < 1 ? first.getUTCDate() : recurrence.pattern.dayOfMonth;
    const day = Math.min(wanted, daysInMonth(year, month));
    at = new Date(Date.UTC(year, month, day, first.getUTCHours(), first.getUTCMinutes(), first.getUTCSeconds(), first.getUTCMilliseconds()));
  }
  const end = rangeEnd(recurrence);
  return end && at.getTime() > end.getTime() ? undefined : at;
}

/** The shortest time between two occurrences, in days: an instance may last at most this long. */
export function shortestIntervalDays(recurrence: ReviewRecurrence): number {
  return recurrence.pattern.type === 'weekly' ? 7 * recurrence.pattern.interval : 28 * recurrence.pattern.interval;
}

/** The cadences people name (as Entra's portal offers them), as Graph patterns. */
export const CADENCES = {
  weekly: { type: 'weekly', interval: 1 },
  monthly: { type: 'absoluteMonthly', interval: 1 },
  quarterly: { type: 'absoluteMonthly', interval: 3 },
  semiAnnually: { type: 'absoluteMonthly', interval: 6 },
  annually: { type: 'absoluteMonthly', interval: 12 },
} as const;
