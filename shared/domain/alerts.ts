import { parseDuration } from './duration';
import { badRequest } from './errors';

/**
 * PIM's security alerts, as Graph beta's `identityGovernance/roleManagementAlerts` describes them
 * (directory roles, scope "/"). Each alert has a definition (what it means), a configuration
 * (enabled, thresholds) and incidents (what was found). Two extension alerts watch break-glass
 * accounts (Entra has no API concept for those), and a third reports removals PIM could not make.
 */
export const ALERT_NAMES = [
  'RolesAssignedOutsidePimAlert',
  'TooManyGlobalAdminsAssignedToTenantAlert',
  'NoMfaOnRoleActivationAlert',
  'StaleSignInAlert',
  'RedundantAssignmentAlert',
  'SequentialActivationRenewalsAlert',
  'BreakGlassAccountSignInAlert',
  'TooFewBreakGlassAccountsAlert',
  'RevocationFailedAlert',
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export type SeverityLevel = 'unknown' | 'informational' | 'low' | 'medium' | 'high';

export interface AlertDefinition {
  name: AlertName;
  displayName: string;
  /** With {0} (and {1}) placeholders, as Graph's. */
  description: string;
  severityLevel: SeverityLevel;
  securityImpact: string;
  mitigationSteps: string;
  howToPrevent: string;
  isRemediatable: boolean;
  isConfigurable: boolean;
  /** Graph's type names: `#microsoft.graph.{configurationType}` and `{incidentType}`. */
  configurationType: string;
  incidentType: string;
  /** Not in Entra: PIM's own (break-glass watching). */
  isExtension: boolean;
}

const def = (d: Omit<AlertDefinition, 'isExtension'> & { isExtension?: boolean }): AlertDefinition => ({ isExtension: false, ...d });

export const ALERT_DEFINITIONS: Record<AlertName, AlertDefinition> = {
  RolesAssignedOutsidePimAlert: def({
    name: 'RolesAssignedOutsidePimAlert',
    displayName: 'Roles are being assigned outside of Privileged Identity Management',
    description: 'Privileged roles are being assigned outside of PIM. {0} assignments were found.',
    severityLevel: 'high',
    securityImpact: 'Privileged role assignments made outside of PIM are not properly monitored and may indicate an active attack.',
    mitigationSteps: 'Review the users in the list and remove them from privileged roles assigned outside of PIM (remediation removes the assignment from the directory).',
    howToPrevent: 'Investigate where users are being assigned privileged roles outside of PIM and prohibit future assignments from there.',
    isRemediatable: true,
    isConfigurable: false,
    configurationType: 'rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration',
    incidentType: 'rolesAssignedOutsidePrivilegedIdentityManagementAlertIncident',
  }),
  TooManyGlobalAdminsAssignedToTenantAlert: def({
    name: 'TooManyGlobalAdminsAssignedToTenantAlert',
    displayName: 'There are too many global administrators',
    description: '{0} users hold the Global Administrator role, {1}% of all role assignments.',
    severityLevel: 'low',
    securityImpact: 'Global Administrator is the highest privileged role. A compromised Global Administrator can change every setting of the tenant.',
    mitigationSteps: 'Review the users in the list and remove any that do not absolutely need the Global Administrator role (remediation removes the incident user\'s Global Administrator assignments in PIM).',
    howToPrevent: 'Assign users the least privileged role they need.',
    isRemediatable: true,
    isConfigurable: true,
    configurationType: 'tooManyGlobalAdminsAssignedToTenantAlertConfiguration',
    incidentType: 'tooManyGlobalAdminsAssignedToTenantAlertIncident',
  }),
  NoMfaOnRoleActivationAlert: def({
    name: 'NoMfaOnRoleActivationAlert',
    displayName: 'Roles do not require multi-factor authentication for activation',
    description: '{0} roles can be activated without multi-factor authentication.',
    severityLevel: 'medium',
    securityImpact: 'Without MFA, a compromised user can activate a privileged role.',
    mitigationSteps: 'Require MFA on activation of each role in the list (remediation adds MultiFactorAuthentication to the role\'s activation rule).',
    howToPrevent: 'Require MFA for every role\'s activation.',
    isRemediatable: true,
    isConfigurable: false,
    configurationType: 'noMfaOnRoleActivationAlertConfiguration',
    incidentType: 'noMfaOnRoleActivationAlertIncident',
  }),
  StaleSignInAlert: def({
    name: 'StaleSignInAlert',
    displayName: 'Potential stale accounts in a privileged role',
    description: '{0} accounts in privileged roles have not signed in within the last {1} days.',
    severityLevel: 'medium',
    securityImpact: 'Accounts in a privileged role that are not used are an attack surface nobody watches.',
    mitigationSteps: 'Review the accounts and remove their privileged roles when no longer needed (remediation removes the incident\'s role in PIM).',
    howToPrevent: 'Review privileged accounts regularly.',
    isRemediatable: true,
    isConfigurable: true,
    configurationType: 'staleSignInAlertConfiguration',
    incidentType: 'staleSignInAlertIncident',
  }),
  RedundantAssignmentAlert: def({
    name: 'RedundantAssignmentAlert',
    displayName: 'Administrators aren\'t using their privileged roles',
    description: '{0} users have not activated their eligible privileged roles within the last {1} days.',
    severityLevel: 'low',
    securityImpact: 'Users who hold privileged roles they do not need increase the chance of an attack.',
    mitigationSteps: 'Review the users and remove roles they do not need (remediation removes the incident\'s eligibility in PIM).',
    howToPrevent: 'Give privileged roles only to users with a business need, and review them regularly.',
    isRemediatable: true,
    isConfigurable: true,
    configurationType: 'redundantAssignmentAlertConfiguration',
    incidentType: 'redundantAssignmentAlertIncident',
  }),
  SequentialActivationRenewalsAlert: def({
    name: 'SequentialActivationRenewalsAlert',
    displayName: 'Roles are being activated too frequently',
    description: 'A role was activated {0} times in a row, each within {1} of the last one\'s end.',
    severityLevel: 'medium',
    securityImpact: 'Repeated activations of the same role may mean the activation window is too short, or an attacker renewing access.',
    mitigationSteps: 'Review the role\'s maximum activation duration and the user\'s need for it.',
    howToPrevent: 'Set the activation duration long enough for the work the role is needed for.',
    isRemediatable: false,
    isConfigurable: true,
    configurationType: 'sequentialActivationRenewalsAlertConfiguration',
    incidentType: 'sequentialActivationRenewalsAlertIncident',
  }),
  BreakGlassAccountSignInAlert: def({
    name: 'BreakGlassAccountSignInAlert',
    displayName: 'An emergency access (break-glass) account signed in',
    description: 'The emergency access account {0} signed in at {1}.',
    severityLevel: 'high',
    securityImpact: 'Emergency access accounts are for when nobody else can get in; any use must be expected and reviewed.',
    mitigationSteps: 'Confirm with the people who hold the account\'s credentials that the sign-in was an emergency or a drill; otherwise treat it as a compromise: reset its credentials and review what it did.',
    howToPrevent: 'Keep the credentials of emergency access accounts in a safe place and use them only in emergencies.',
    isRemediatable: false,
    isConfigurable: false,
    configurationType: 'breakGlassAccountSignInAlertConfiguration',
    incidentType: 'breakGlassAccountSignInAlertIncident',
    isExtension: true,
  }),
  TooFewBreakGlassAccountsAlert: def({
    name: 'TooFewBreakGlassAccountsAlert',
    displayName: 'Fewer than two emergency access accounts hold Global Administrator',
    description: '{0} emergency access accounts hold a permanent active Global Administrator assignment; at least 2 are needed.',
    severityLevel: 'high',
    securityImpact: 'Without emergency access accounts, the tenant can be locked out when no administrator can sign in or activate a role.',
    mitigationSteps: 'Assign Global Administrator, active and permanent, to at least two emergency access accounts listed in PIM\'s break-glass list.',
    howToPrevent: 'Keep two or more emergency access accounts, each with a permanent active Global Administrator assignment.',
    isRemediatable: false,
    isConfigurable: false,
    configurationType: 'tooFewBreakGlassAccountsAlertConfiguration',
    incidentType: 'tooFewBreakGlassAccountsAlertIncident',
    isExtension: true,
  }),
  RevocationFailedAlert: def({
    name: 'RevocationFailedAlert',
    displayName: 'A role that ended could not be removed',
    description: 'The role assignment of {0} ended at {1}, but PIM could not remove it from the directory.',
    severityLevel: 'high',
    securityImpact: 'The person still holds a privileged role PIM shows as ended: their access outlives what was approved, and nothing in PIM reports it as held.',
    mitigationSteps: 'Read the incident\'s error; PIM keeps retrying the removal every minute. If it keeps failing (the app lost its Graph permission, or the directory refuses), remove the assignment in the directory by hand and fix the cause. The incident goes away once the role is gone.',
    howToPrevent: 'Keep the app\'s Graph permissions (RoleManagement.ReadWrite.Directory and those of groups and Azure roles) in place, and watch the app\'s warnings.',
    isRemediatable: false,
    isConfigurable: false,
    configurationType: 'revocationFailedAlertConfiguration',
    incidentType: 'revocationFailedAlertIncident',
    isExtension: true,
  }),
};

export const isAlertName = (name: string): name is AlertName => (ALERT_NAMES as readonly string[]).includes(name);

/** Graph's id of an alert, its definition and its configuration: `DirectoryRole_{tenantId}_{Name}`. */
export const alertId = (tenantId: string, name: AlertName) => `DirectoryRole_${tenantId}_${name}`;

/** The alert name an id names, for this tenant; undefined when it names none. */
export function alertNameOf(tenantId: string, id: string): AlertName | undefined {
  const prefix = `DirectoryRole_${tenantId}_`;
  if (id.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return undefined;
  const name = id.slice(prefix.length);
  return ALERT_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
}

/** The thresholds and switch of one alert (the properties its configuration type has). */
export interface AlertSettings {
  isEnabled: boolean;
  globalAdminCountThreshold?: number;
  percentageOfGlobalAdminsOutOfRolesThreshold?: number;
  /** ISO 8601 duration (days), StaleSignInAlert and RedundantAssignmentAlert. */
  duration?: string;
  timeIntervalBetweenActivations?: string;
  sequentialActivationCounterThreshold?: number;
}

/** The configuration an alert has until an admin changes it (Entra's portal defaults where known). */
export function defaultSettings(name: AlertName): AlertSettings {
  switch (name) {
    case 'TooManyGlobalAdminsAssignedToTenantAlert':
      return { isEnabled: true, globalAdminCountThreshold: 3, percentageOfGlobalAdminsOutOfRolesThreshold: 10 };
    case 'StaleSignInAlert':
      return { isEnabled: true, duration: 'P30D' };
    case 'RedundantAssignmentAlert':
      return { isEnabled: true, duration: 'P15D' };
    case 'SequentialActivationRenewalsAlert':
      return { isEnabled: true, timeIntervalBetweenActivations: 'PT1H', sequentialActivationCounterThreshold: 10 };
    default:
      return { isEnabled: true };
  }
}

/** The extra properties each configuration type has, with the range Entra allows (the portal's settings form shows the same). */
export const ALERT_THRESHOLDS: Partial<Record<AlertName, Array<{ field: keyof AlertSettings; kind: 'int' | 'days' | 'duration'; min: number; max: number }>>> = {
  TooManyGlobalAdminsAssignedToTenantAlert: [
    { field: 'globalAdminCountThreshold', kind: 'int', min: 1, max: 2_147_483_647 },
    { field: 'percentageOfGlobalAdminsOutOfRolesThreshold', kind: 'int', min: 0, max: 100 },
  ],
  StaleSignInAlert: [{ field: 'duration', kind: 'days', min: 1, max: 365 }],
  RedundantAssignmentAlert: [{ field: 'duration', kind: 'days', min: 0, max: 100 }],
  SequentialActivationRenewalsAlert: [
    { field: 'timeIntervalBetweenActivations', kind: 'duration', min: 1, max: Number.MAX_SAFE_INTEGER },
    { field: 'sequentialActivationCounterThreshold', kind: 'int', min: 2, max: 100 },
  ],
};

const READ_ONLY = new Set(['id', 'alertDefinitionId', 'scopeType', 'scopeId', 'alertDefinition']);

/**
 * Applies a PATCH of an alert configuration: `@odata.type` must name the alert's own type;
 * only `isEnabled` and the type's thresholds may change, each within Entra's range. Every
 * problem is named at once (400 InvalidAlertConfiguration); nothing is applied on any.
 */
export function patchSettings(name: AlertName, current: AlertSettings, body: unknown): AlertSettings {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Send a JSON object with the alert configuration\'s properties.');
  const definition = ALERT_DEFINITIONS[name];
  const fields = ALERT_THRESHOLDS[name] ?? [];
  const problems: string[] = [];
  const next: AlertSettings = { ...current };
  const type = (body as Record<string, unknown>)['@odata.type'];
  const expectedType = `#microsoft.graph.${definition.configurationType}`;
  if (typeof type !== 'string' || type.toLowerCase() !== expectedType.toLowerCase()) problems.push(`@odata.type must be "${expectedType}" for this alert configuration.`);
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === '@odata.type') continue;
    if (READ_ONLY.has(key)) continue;
    if (key === 'isEnabled') {
      if (typeof value !== 'boolean') problems.push('isEnabled must be true or false.');
      else next.isEnabled = value;
      continue;
    }
    const field = fields.find((f) => f.field === key);
    if (!field) {
      problems.push(`${key} is not a property of ${definition.configurationType}${fields.length ? `; it has isEnabled, ${fields.map((f) => f.field).join(', ')}` : '; only isEnabled can change'}.`);
      continue;
    }
    const problem = checkThreshold(field, value);
    if (problem) problems.push(problem);
    else (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (problems.length > 0) throw badRequest(problems.join(' '), 'InvalidAlertConfiguration');
  return next;
}

function checkThreshold(field: { field: string; kind: 'int' | 'days' | 'duration'; min: number; max: number }, value: unknown): string | undefined {
  if (field.kind === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < field.min || value > field.max) return `${field.field} must be a whole number from ${field.min} to ${field.max}.`;
    return undefined;
  }
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) return `${field.field} must be an ISO 8601 duration, e.g. ${field.kind === 'days' ? '"P30D"' : '"PT1H"'}.`;
  if (field.kind === 'days') {
    const days = ms / 86_400_000;
    if (!Number.isInteger(days) || days < field.min || days > field.max) return `${field.field} must be whole days from ${field.min} to ${field.max} (P${field.min}D to P${field.max}D).`;
    return undefined;
  }
  if (ms < 60_000) return `${field.field} must be at least one minute (PT1M).`;
  return undefined;
}

/** A setting's duration in ms (the definition's default when unset). */
export function durationOf(name: AlertName, settings: AlertSettings, field: 'duration' | 'timeIntervalBetweenActivations'): number {
  const text = settings[field] ?? defaultSettings(name)[field] ?? 'P0D';
  return parseDuration(text) ?? 0;
}
