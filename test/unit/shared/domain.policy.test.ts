import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../shared/domain/duration';
import { DomainError } from '../../../shared/domain/errors';
import { defaultRules } from '../../../shared/domain/policy/defaults';
import type { PolicyRule } from '../../../shared/domain/policy/types';
import { patchRule } from '../../../shared/domain/policy/validate';

const ruleById = (id: string) => defaultRules().find((r) => r.id === id) as PolicyRule;

describe('ISO 8601 durations', () => {
  it('reads hours, minutes and days as Graph writes them', () => {
    expect(parseDuration('PT8H')).toBe(8 * 3_600_000);
    expect(parseDuration('PT1H45M')).toBe(105 * 60_000);
    expect(parseDuration('P365D')).toBe(365 * 86_400_000);
    expect(parseDuration('P1DT12H')).toBe(36 * 3_600_000);
    for (const bad of ['', 'P', 'PT', '8H', 'P1H', 'PT-1H', 'eight hours']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('round-trips any whole number of minutes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (d, h, m) => {
        expect(parseDuration(`P${d}DT${h}H${m}M`)).toBe(((d * 24 + h) * 60 + m) * 60_000);
      }),
    );
  });
});

describe('policy rule validation', () => {
  it('refuses a misspelt or unknown setting, naming it and the settings the rule takes', () => {
    const rule = ruleById('Expiration_EndUser_Assignment');
    expect(() => patchRule(rule, { maximumDuraton: 'PT2H' })).toThrow(/'maximumDuraton' is not a property of unifiedRoleManagementPolicyExpirationRule; it takes isExpirationRequired, maximumDuration/);
    expect(patchRule(rule, { '@odata.type': rule['@odata.type'], id: rule.id, maximumDuration: 'PT2H' })).toMatchObject({ maximumDuration: 'PT2H' });
  });

  it('accepts any activation maximum from 30 minutes to 24 hours, and refuses anything outside', () => {
    const rule = ruleById('Expiration_EndUser_Assignment');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 * 60 }), (minutes) => {
        const attempt = () => patchRule(rule, { maximumDuration: `PT${minutes}M` });
        if (minutes >= 30 && minutes <= 24 * 60) expect(attempt()).toMatchObject({ maximumDuration: `PT${minutes}M` });
        else expect(attempt).toThrow(DomainError);
      }),
    );
  });

  it('never changes a rule\'s id, type or target, whatever the body says', () => {
    fc.assert(
      fc.property(fc.constantFrom(...defaultRules()), fc.dictionary(fc.string(), fc.jsonValue()), (rule, body) => {
        try {
          const next = patchRule(rule, { ...body, id: undefined, '@odata.type': undefined, target: { caller: 'None' } });
          expect(next.id).toBe(rule.id);
          expect(next['@odata.type']).toBe(rule['@odata.type']);
          expect(next.target).toEqual(rule.target);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).status).toBe(400);
        }
      }),
    );
  });

  it('lists every problem of a body at once', () => {
    try {
      patchRule(ruleById('Approval_EndUser_Assignment'), {
        setting: { isApprovalRequired: true, approvalStages: [{ approvalStageTimeOutInDays: 30, primaryApprovers: [] }] },
      });
      throw new Error('accepted');
    } catch (error) {
      const details = (error as DomainError).details ?? [];
      expect(details.map((d) => d.target)).toEqual(['approvalStages[0].approvalStageTimeOutInDays', 'approvalStages[0].primaryApprovers']);
    }
  });
});
