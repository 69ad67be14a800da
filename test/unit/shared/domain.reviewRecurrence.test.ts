import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { occurrenceStart, type ReviewRecurrence, shortestIntervalDays } from '../../../shared/domain/reviewRecurrence';

const DAY = 86_400_000;
const monthly = (interval: number, startDate: string, range: Partial<ReviewRecurrence['range']> = {}, dayOfMonth = 0): ReviewRecurrence => ({
  pattern: { type: 'absoluteMonthly', interval, dayOfMonth },
  range: { type: 'noEnd', startDate, endDate: null, numberOfOccurrences: 0, ...range },
});
const weekly = (interval: number, startDate: string, range: Partial<ReviewRecurrence['range']> = {}): ReviewRecurrence => ({
  pattern: { type: 'weekly', interval, dayOfMonth: 0 },
  range: { type: 'noEnd', startDate, endDate: null, numberOfOccurrences: 0, ...range },
});
const iso = (d: Date | undefined) => d?.toISOString().slice(0, 10);

describe('access review recurrence', () => {
  it('starts quarterly reviews three months apart, on the same day of the month', () => {
    const q = monthly(3, '2026-01-15');
    expect([0, 1, 2, 3, 4].map((i) => iso(occurrenceStart(q, i)))).toEqual(['2026-01-15', '2026-04-15', '2026-07-15', '2026-10-15', '2027-01-15']);
  });

  it('keeps a month-end start at the end of shorter months, and back on the 31st after', () => {
    const m = monthly(1, '2026-01-31');
    expect([0, 1, 2, 3].map((i) => iso(occurrenceStart(m, i)))).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    expect(iso(occurrenceStart(monthly(12, '2024-02-29'), 1))).toBe('2025-02-28');
  });

  it('honours dayOfMonth after the first occurrence', () => {
    expect([0, 1].map((i) => iso(occurrenceStart(monthly(1, '2026-03-10', {}, 1), i)))).toEqual(['2026-03-10', '2026-04-01']);
  });

  it('stops after numberOfOccurrences, and after the endDate (the whole end day counts)', () => {
    const numbered = weekly(1, '2026-01-05', { type: 'numbered', numberOfOccurrences: 2 });
    expect(occurrenceStart(numbered, 1)).toBeDefined();
    expect(occurrenceStart(numbered, 2)).toBeUndefined();
    const ending = monthly(6, '2026-01-01', { type: 'endDate', endDate: '2026-07-01' });
    expect(iso(occurrenceStart(ending, 1))).toBe('2026-07-01');
    expect(occurrenceStart(ending, 2)).toBeUndefined();
  });

  it('never starts an occurrence before the previous one plus the shortest interval, under any pattern and start', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'weekly' | 'absoluteMonthly'>('weekly', 'absoluteMonthly'),
        fc.integer({ min: 1, max: 12 }),
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 40 }),
        (type, interval, start, index) => {
          const r: ReviewRecurrence = { pattern: { type, interval, dayOfMonth: 0 }, range: { type: 'noEnd', startDate: start.toISOString(), endDate: null, numberOfOccurrences: 0 } };
          const a = occurrenceStart(r, index);
          const b = occurrenceStart(r, index + 1);
          if (!a || !b) return false;
          const gap = b.getTime() - a.getTime();
          // An instance lasting the shortest interval ends before the next starts; months are at most 31 days.
          return gap >= shortestIntervalDays(r) * DAY && gap <= (type === 'weekly' ? 7 : 31) * interval * DAY;
        },
      ),
    );
  });

  it('makes the first occurrence the range start, and refuses negative or fractional indexes', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }), (start) => {
        const r = monthly(3, start.toISOString());
        return occurrenceStart(r, 0)?.getTime() === start.getTime() && occurrenceStart(r, -1) === undefined && occurrenceStart(r, 0.5) === undefined;
      }),
    );
  });
});
