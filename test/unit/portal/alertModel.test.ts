import { describe, expect, it } from 'vitest';
import { type Alert, byAttention, columnsOf, describeAlert, thresholdsOf, thresholdText, thresholdValue } from '../../../portal/src/admin/alertModel';
import { ALERT_NAMES, type AlertName, defaultSettings, patchSettings } from '../../../shared/domain/alerts';
import { alertJson, configurationJson, definitionJson } from '../../../shared/http/alertJson';
import { newAlertState } from '../../../shared/app/alerts/scan';

const TENANT = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';

/** An alert as the page reads it: the API's own JSON for it, expanded. */
function alertOf(name: AlertName, incidentCount = 2): Alert {
  return {
    ...alertJson(TENANT, { ...newAlertState(name), incidentCount }),
    alertDefinition: definitionJson(TENANT, name),
    alertConfiguration: configurationJson(TENANT, name, defaultSettings(name)),
  } as unknown as Alert;
}

/** What the settings form would send for `typed` (untouched fields as shown). */
function formBody(name: AlertName, typed: Record<string, string> = {}): Record<string, unknown> {
  const alert = alertOf(name);
  const thresholds = thresholdsOf(alert).map((t) => [t.field, thresholdValue(t, typed[t.field] ?? thresholdText(alert, t))]);
  return { '@odata.type': alert.alertConfiguration['@odata.type'], isEnabled: true, ...Object.fromEntries(thresholds) };
}

describe("the security alerts page's settings form sends what the API accepts", () => {
  it.each(ALERT_NAMES)('%s: the shown values, sent back unchanged, change nothing', (name) => {
    expect(patchSettings(name, defaultSettings(name), formBody(name))).toEqual(defaultSettings(name));
  });

  it('days are typed as a number and sent as an ISO 8601 duration', () => {
    const [days] = thresholdsOf(alertOf('StaleSignInAlert'));
    expect(days && thresholdText(alertOf('StaleSignInAlert'), days)).toBe('30');
    expect(patchSettings('StaleSignInAlert', defaultSettings('StaleSignInAlert'), formBody('StaleSignInAlert', { duration: '45' })).duration).toBe('P45D');
  });

  it('what does not parse is sent as typed, so the API names the problem', () => {
    expect(() => patchSettings('StaleSignInAlert', defaultSettings('StaleSignInAlert'), formBody('StaleSignInAlert', { duration: 'soon' }))).toThrow(/duration must be an ISO 8601 duration/);
    const name = 'TooManyGlobalAdminsAssignedToTenantAlert';
    expect(() => patchSettings(name, defaultSettings(name), formBody(name, { globalAdminCountThreshold: '2.5' }))).toThrow(/globalAdminCountThreshold must be a whole number/);
  });
});

describe("the security alerts page's descriptions", () => {
  it.each(ALERT_NAMES)('%s: every placeholder is filled', (name) => {
    expect(describeAlert(alertOf(name), [])).not.toMatch(/\{\d\}/);
  });

  it('fill in the counts and thresholds', () => {
    expect(describeAlert(alertOf('RolesAssignedOutsidePimAlert', 3), [])).toBe('Privileged roles are being assigned outside of PIM. 3 assignments were found.');
    expect(describeAlert(alertOf('StaleSignInAlert', 1), [])).toBe('1 accounts in privileged roles have not signed in within the last 30 days.');
    const stuck = { '@odata.type': '#microsoft.graph.revocationFailedAlertIncident', id: 's1', assigneeDisplayName: 'Erin Evans', endDateTime: '2026-03-01T10:00:00Z', error: 'Graph answered 503' };
    expect(describeAlert(alertOf('RevocationFailedAlert', 1), [stuck])).toBe(`The role assignment of Erin Evans ended at ${new Date('2026-03-01T10:00:00Z').toLocaleString()}, but PIM could not remove it from the directory.`);
    expect(columnsOf(alertOf('RevocationFailedAlert', 1), [stuck]).map((c) => [c.header, c.cell(stuck)])).toEqual([['User', 'Erin Evans'], ['Role or access', '—'], ['Ended', new Date('2026-03-01T10:00:00Z').toLocaleString()], ['Why the removal failed', 'Graph answered 503']]);
  });
});

describe("the security alerts page's order", () => {
  it('active alerts with incidents first, the most severe first; then those that found nothing; dismissed last', () => {
    const dismissed = { ...alertOf('RolesAssignedOutsidePimAlert', 4), isActive: false };
    const alerts = [alertOf('TooManyGlobalAdminsAssignedToTenantAlert', 3), dismissed, alertOf('StaleSignInAlert', 0), alertOf('BreakGlassAccountSignInAlert', 1), alertOf('NoMfaOnRoleActivationAlert', 1)];
    expect(alerts.sort(byAttention).map((a) => [a.alertDefinition.severityLevel, a.incidentCount, a.isActive])).toEqual([
      ['high', 1, true],
      ['medium', 1, true],
      ['low', 3, true],
      ['medium', 0, true],
      ['high', 4, false],
    ]);
  });
});
