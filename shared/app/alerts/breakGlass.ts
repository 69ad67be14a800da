import { randomUUID } from 'node:crypto';
import { ALERT_DEFINITIONS } from '../../domain/alerts';
import type { Caller } from '../../domain/caller';
import { badRequest, DomainError, forbidden, notFound } from '../../domain/errors';
import { directoryRole } from '../../domain/target';
import type { BreakGlassAccount } from '../../ports/breakGlass';
import { auditRecord } from '../audit';
import { alertAudit, incidentEvent } from './scan';
import { type AlertDeps, GLOBAL_ADMIN } from './world';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listBreakGlassAccounts(deps: AlertDeps, caller: Caller): Promise<BreakGlassAccount[]> {
  // Why: which accounts are the tenant's emergency access is sensitive; admins and auditors only.
  if (!caller.isAdmin && !caller.isAuditor) throw forbidden('Reading the break-glass list needs the PIM administrator or PIM auditor app role (PIM.Admin or PIM.Auditor).');
  return deps.breakGlass.list();
}

/** Adds a user to the break-glass list (admins only), audited as "Add emergency access account". */
export async function addBreakGlassAccount(deps: AlertDeps, caller: Caller, body: unknown): Promise<BreakGlassAccount> {
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change the break-glass list.');
  const id = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).id : undefined;
  if (typeof id !== 'string' || !OBJECT_ID.test(id)) throw badRequest('Send {"id": "<the user\'s object id>"}.', 'InvalidBreakGlassAccount');
  const principal = await deps.directory.getPrincipal(id);
  if (principal?.kind !== 'user') throw badRequest(`'${id}' is not a user in this directory; a break-glass account is a cloud-only user.`, 'InvalidBreakGlassAccount');
  const now = deps.clock.now();
  const account: BreakGlassAccount = { id: id.toLowerCase(), source: 'api', addedDateTime: now.toISOString(), addedBy: { id: caller.oid, displayName: caller.name ?? null } };
  const audit = listAudit('Add emergency access account', caller, principal.id, principal.displayName, now, 'Add');
  if (!(await deps.breakGlass.add(account, { audit: [audit] }))) {
    throw new DomainError('BreakGlassAccountExists', `'${id}' is on the break-glass list already.`, 409);
  }
  return account;
}

/** Removes an API-listed account (admins only); setting-listed ones are removed in the setting. */
export async function removeBreakGlassAccount(deps: AlertDeps, caller: Caller, id: string): Promise<void> {
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change the break-glass list.');
  const listed = (await deps.breakGlass.list()).find((a) => a.id.toLowerCase() === id.toLowerCase());
  if (!listed) throw notFound('breakGlassAccount', id);
  if (listed.source === 'setting') throw badRequest(`'${id}' is listed by the PIM_BREAK_GLASS_ACCOUNTS setting; remove it there.`, 'BreakGlassAccountFromSettings');
  const principal = await deps.directory.getPrincipal(id);
  const audit = listAudit('Remove emergency access account', caller, id, principal?.displayName ?? null, deps.clock.now(), 'Delete');
  if (!(await deps.breakGlass.remove(id, { audit: [audit] }))) throw notFound('breakGlassAccount', id);
}

function listAudit(activity: string, caller: Caller, id: string, displayName: string | null, at: Date, operationType: 'Add' | 'Delete') {
  return auditRecord({ activity, operationType, caller, correlationId: randomUUID(), at, targets: [{ id, displayName, type: 'User', modifiedProperties: [] }], details: { list: 'breakGlass' } });
}

/** Sign-ins are logged with a delay: each poll reads again from this long before the newest it saw. */
const OVERLAP_MS = 15 * 60_000;
/** Where a first poll starts. */
const FIRST_LOOK_BACK_MS = 60 * 60_000;

/**
 * The break-glass watch (every minute): reads the sign-in logs of the break-glass accounts since
 * the last sign-in it saw (less an overlap for late records) and raises a high-severity incident
 * per sign-in, once (its id is the sign-in's), with mail and webhooks to admins. Cheap: one
 * filtered Graph query per ten accounts and a point read per sign-in found.
 */
export async function watchBreakGlassSignIns(deps: AlertDeps): Promise<number> {
  const name = 'BreakGlassAccountSignInAlert';
  const accounts = await deps.breakGlass.list();
  if (accounts.length === 0) return 0;
  const state = await deps.alertRepository.state(name);
  // A dismissed alert is not watched until a refresh reactivates it.
  if (state && !state.value.isActive) return 0;
  const now = deps.clock.now();
  const cursor = await deps.alertRepository.signInCursor();
  const since = new Date(cursor ? Date.parse(cursor) - OVERLAP_MS : now.getTime() - FIRST_LOOK_BACK_MS);
  const signIns = await deps.signIns.signInsSince(since, accounts.map((a) => a.id));
  let raised = 0;
  for (const s of signIns) {
    const principal = await deps.directory.getPrincipal(s.userId);
    const fields = {
      assigneeId: s.userId,
      assigneeDisplayName: principal?.displayName ?? null,
      assigneeUserPrincipalName: s.userPrincipalName ?? principal?.userPrincipalName ?? null,
      signInId: s.id,
      signInDateTime: s.createdDateTime,
      appDisplayName: s.appDisplayName,
    };
    const finding = { id: s.id, principalId: s.userId, target: directoryRole(GLOBAL_ADMIN, '/'), fields };
    const event = await incidentEvent(deps, name, finding, now);
    const audit = alertAudit(deps, 'Triggered PIM alert', name, null, randomUUID(), now, { incidentId: s.id, assigneeId: s.userId, signInDateTime: s.createdDateTime, severityLevel: ALERT_DEFINITIONS[name].severityLevel });
    if (await deps.alertRepository.addIncidentOnce(name, { id: s.id, detectedDateTime: now.toISOString(), fields }, { events: [event], audit: [audit] })) raised++;
  }
  const newest = signIns.map((s) => s.createdDateTime).sort().at(-1);
  if (newest && (!cursor || newest > cursor)) await deps.alertRepository.saveSignInCursor(newest);
  return raised;
}
