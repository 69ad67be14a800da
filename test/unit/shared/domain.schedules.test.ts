import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared/domain/errors';
import type { ExpirationRule } from '../../../shared/domain/policy/types';
import { resolveWindow, type ScheduleInfo } from '../../../shared/domain/schedules';

const rule = (isExpirationRequired: boolean, maximumDuration: string): ExpirationRule => ({
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
  id: 'Expiration_Admin_Eligibility',
  isExpirationRequired,
  maximumDuration,
  target: { caller: 'Admin', level: 'Eligibility', operations: ['All'], inheritableSettings: [], enforcedSettings: [] },
});
const now = new Date('2026-06-01T00:00:00Z');
const info = (expiration: Partial<ScheduleInfo['expiration']>, startDateTime: string | null = null): ScheduleInfo => ({
  startDateTime,
  expiration: { type: 'notSpecified', endDateTime: null, duration: null, ...expiration },
});

describe('schedule windows', () => {
  it('starts now when no start is given and ends after the requested duration', () => {
    const w = resolveWindow(info({ type: 'afterDuration', duration: 'PT8H' }), rule(true, 'P1D'), now, 'x');
    expect(w).toEqual({ start: now, end: new Date('2026-06-01T08:00:00Z') });
  });

  it('never accepts a window longer than the maximum when expiry is required, and accepts any within it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 24 }), fc.integer({ min: 1, max: 60 * 24 }), (startOffsetH, lengthH) => {
        const start = new Date(now.getTime() + startOffsetH * 3_600_000);
        const end = new Date(start.getTime() + lengthH * 3_600_000);
        const attempt = () => resolveWindow(info({ type: 'afterDateTime', endDateTime: end.toISOString() }, start.toISOString()), rule(true, 'P30D'), now, 'x');
        if (lengthH <= 30 * 24) expect(attempt()).toEqual({ start, end });
        else expect(attempt).toThrow(DomainError);
      }),
    );
  });

  it('allows permanent only where the policy does', () => {
    expect(resolveWindow(info({ type: 'noExpiration' }), rule(false, 'P365D'), now, 'x').end).toBeNull();
    expect(() => resolveWindow(info({ type: 'noExpiration' }), rule(true, 'P365D'), now, 'eligible assignments')).toThrow(/does not allow permanent eligible assignments/);
  });

  it('refuses windows that end before they start or in the past, and malformed times', () => {
    expect(() => resolveWindow(info({ type: 'afterDateTime', endDateTime: '2026-05-01T00:00:00Z' }), rule(false, 'P1D'), now, 'x')).toThrow(/end after it starts/);
    expect(() => resolveWindow(info({ type: 'afterDateTime', endDateTime: '2026-05-02T00:00:00Z' }, '2026-05-01T00:00:00Z'), rule(false, 'P1D'), now, 'x')).toThrow(/in the future/);
    expect(() => resolveWindow(info({ type: 'afterDuration', duration: 'soon' }), rule(false, 'P1D'), now, 'x')).toThrow(/ISO 8601 duration/);
    expect(() => resolveWindow(info({ type: 'afterDuration', duration: 'P1D' }, 'tomorrow'), rule(false, 'P1D'), now, 'x')).toThrow(/not an ISO 8601 date-time/);
  });
});
