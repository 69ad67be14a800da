import type { Schedule } from '../../domain/schedules';
import type { StoredIncident } from '../../ports/alerts';
import { targetFields, targetName } from '../targets';
import type { Finding } from './findings';
import { incidentEvent, settingsOf, triggeredAudit } from './scan';
import type { IncidentDeps } from './world';

const NAME = 'RevocationFailedAlert';

// Resolving is the scan's part: findings.ts keeps the incidents whose removal still fails.

/**
 * The incident of a schedule whose removal keeps failing (its id is the schedule's: one per
 * schedule), naming the person and the role as far as the directory answers: it may be the very
 * thing failing, and the incident is raised all the same.
 */
async function findingOf(deps: IncidentDeps, schedule: Schedule, reason: string): Promise<Finding> {
  const [person, roleName] = await Promise.all([deps.directory.getPrincipal(schedule.principalId).catch(() => undefined), targetName(deps, schedule.target).catch(() => null)]);
  return {
    id: schedule.id,
    principalId: schedule.principalId,
    target: schedule.target,
    fields: {
      assigneeId: schedule.principalId,
      assigneeDisplayName: person?.displayName ?? null,
      assigneeUserPrincipalName: person?.userPrincipalName ?? null,
      ...(schedule.target.kind === 'directoryRole' ? { roleDisplayName: roleName } : {}),
      scheduleId: schedule.id,
      targetKind: schedule.target.kind,
      ...targetFields(schedule.target),
      endDateTime: schedule.endDateTime,
      error: reason,
    },
  };
}

/**
 * Raises RevocationFailedAlert's incident for the schedule, once (create-only on the schedule's
 * id), the moment the reconcile pass notices: with the "Triggered PIM alert" audit record and the
 * `alert.incidentRaised` event (admins' mail and webhooks), as every alert's new incident. Not
 * while the alert is dismissed or disabled, as the other alerts. True when it was raised now.
 */
export async function raiseRevocationFailed(deps: IncidentDeps, schedule: Schedule, reason: string, now: Date, correlationId: string): Promise<boolean> {
  const [state, settings] = await Promise.all([deps.alertRepository.state(NAME), settingsOf(deps, NAME)]);
  if ((state && !state.value.isActive) || !settings.isEnabled) return false;
  if (await deps.alertRepository.incident(NAME, schedule.id)) return false;
  const finding = await findingOf(deps, schedule, reason);
  const event = await incidentEvent(deps, NAME, finding, now);
  const audit = await triggeredAudit(deps, NAME, finding, correlationId, now, { result: 'failure', resultReason: reason });
  const incident: StoredIncident = { id: finding.id, detectedDateTime: now.toISOString(), fields: finding.fields };
  return deps.alertRepository.addIncidentOnce(NAME, incident, { events: [event], audit: [audit] });
}
