import { describe, expect, it } from 'vitest';
import { ALERT_NAMES, alertId, alertNameOf, defaultSettings, patchSettings } from '../../../shared/domain/alerts';
import { DomainError } from '../../../shared/domain/errors';

const TENANT = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';
const type = (name: string) => `#microsoft.graph.${name}`;

function refusal(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('alert ids', () => {
  it('round-trip for every alert, case-insensitively, and name nothing for another tenant', () => {
    for (const name of ALERT_NAMES) {
      expect(alertNameOf(TENANT, alertId(TENANT, name))).toBe(name);
      expect(alertNameOf(TENANT, alertId(TENANT, name).toLowerCase())).toBe(name);
    }
    expect(alertNameOf('00000000-0000-0000-0000-000000000000', alertId(TENANT, 'StaleSignInAlert'))).toBeUndefined();
    expect(alertNameOf(TENANT, `DirectoryRole_${TENANT}_InvalidLicenseAlert`)).toBeUndefined();
  });
});

describe('patchSettings', () => {
  it('changes isEnabled and the thresholds of the configuration type the body names', () => {
    const next = patchSettings('TooManyGlobalAdminsAssignedToTenantAlert', defaultSettings('TooManyGlobalAdminsAssignedToTenantAlert'), {
      '@odata.type': type('tooManyGlobalAdminsAssignedToTenantAlertConfiguration'),
      isEnabled: false,
      globalAdminCountThreshold: 2,
      percentageOfGlobalAdminsOutOfRolesThreshold: 4,
    });
    expect(next).toEqual({ isEnabled: false, globalAdminCountThreshold: 2, percentageOfGlobalAdminsOutOfRolesThreshold: 4 });
    expect(patchSettings('StaleSignInAlert', defaultSettings('StaleSignInAlert'), { '@odata.type': type('staleSignInAlertConfiguration'), duration: 'P365D' }).duration).toBe('P365D');
    expect(patchSettings('RedundantAssignmentAlert', defaultSettings('RedundantAssignmentAlert'), { '@odata.type': type('redundantAssignmentAlertConfiguration'), duration: 'P0D' }).duration).toBe('P0D');
  });

  it('names every problem at once: the wrong type, values out of Entra\'s ranges, properties the type lacks', () => {
    const error = refusal(() =>
      patchSettings('SequentialActivationRenewalsAlert', defaultSettings('SequentialActivationRenewalsAlert'), {
        '@odata.type': type('staleSignInAlertConfiguration'),
        sequentialActivationCounterThreshold: 101,
        timeIntervalBetweenActivations: 'an hour',
        duration: 'P1D',
        isEnabled: 'yes',
      }),
    );
    expect(error.code).toBe('InvalidAlertConfiguration');
    expect(error.status).toBe(400);
    for (const part of ['@odata.type', 'sequentialActivationCounterThreshold', 'timeIntervalBetweenActivations', 'duration', 'isEnabled']) expect(error.message).toContain(part);
    expect(refusal(() => patchSettings('StaleSignInAlert', defaultSettings('StaleSignInAlert'), { '@odata.type': type('staleSignInAlertConfiguration'), duration: 'PT36H' })).message).toContain('whole days');
    expect(refusal(() => patchSettings('StaleSignInAlert', defaultSettings('StaleSignInAlert'), [])).code).toBe('BadRequest');
  });
});
