/**
 * The port Admin → Assignments reads and writes a target through. Graph's surfaces (directory
 * roles, groups) and ARM's (Azure resource roles) each have one adapter; the page and its
 * model see only these shapes, whatever the kind of target.
 */
import type { Target } from '../model';

export type ScheduleKind = 'eligibility' | 'assignment';
export type AdminAction = 'adminAssign' | 'adminUpdate' | 'adminRemove' | 'adminExtend' | 'adminRenew';

/** An Azure role at an ARM scope; `roleDefinitionId` is ARM's full id of the role. */
export interface AzureTarget {
  kind: 'azure';
  scope: string;
  roleDefinitionId: string;
}

export type AdminTarget = Target | AzureTarget;

/** A live schedule (eligible or active), as every surface's JSON comes down to. */
export interface Held {
  id: string;
  principalId: string;
  principal: string;
  memberType: string;
  /** Assigned or Activated, for active assignments. */
  assignmentType?: string | null;
  pending: boolean;
  start?: string;
  end?: string;
}

/** A schedule request, as far as spotting an expired assignment needs. */
export interface Made {
  action: string;
  status: string;
  principalId: string;
  principal: string;
  created?: string;
  /** The end it asked for (ms since the epoch), when it asked for one. */
  end?: number;
}

/** A policy rule, in the fields Graph and ARM share. */
export interface PolicyRule {
  id: string;
  isExpirationRequired?: boolean;
  maximumDuration?: string;
  enabledRules?: string[];
}

/** When an assignment starts and ends; a missing start means now (the API's clock). */
export interface ScheduleChoice {
  permanent: boolean;
  start?: string;
  end?: string;
}

export interface AdminRequest {
  principalId: string;
  justification: string;
  ticketNumber?: string;
  ticketSystem?: string;
  /** Not for adminRemove. */
  schedule?: ScheduleChoice;
}

export interface TargetPort {
  /** Live schedules of the target (in effect or starting later). */
  schedules(kind: ScheduleKind): Promise<Held[]>;
  requests(kind: ScheduleKind): Promise<Made[]>;
  /** The rules in effect for the target. */
  rules(): Promise<PolicyRule[]>;
  send(kind: ScheduleKind, action: AdminAction, r: AdminRequest): Promise<unknown>;
}

/** Milliseconds in a day/time ISO 8601 duration (P30D, PT8H); undefined when unreadable. */
export function isoDurationMs(iso: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0));
  return (((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000;
}

/** The end a request's schedule asked for: a date, or its start plus a duration. */
export function endOf(info: { startDateTime?: string | null; expiration?: { endDateTime?: string | null; duration?: string | null } | null } | null | undefined, created?: string): number | undefined {
  const exp = info?.expiration;
  if (exp?.endDateTime) return Date.parse(exp.endDateTime);
  const start = info?.startDateTime ?? created;
  const ms = exp?.duration ? isoDurationMs(exp.duration) : undefined;
  return start && ms !== undefined ? Date.parse(start) + ms : undefined;
}

/**
 * The fields Graph's and ARM's schedule request bodies share (justification, ticketInfo,
 * scheduleInfo); ARM spells the expiration types in PascalCase.
 */
export function requestFields(r: AdminRequest, spelling: 'graph' | 'arm'): Record<string, unknown> {
  const when = r.schedule;
  const type = (t: 'noExpiration' | 'afterDateTime') => (spelling === 'arm' ? `${t.charAt(0).toUpperCase()}${t.slice(1)}` : t);
  return {
    ...(r.justification.trim() ? { justification: r.justification.trim() } : {}),
    ...(r.ticketNumber || r.ticketSystem ? { ticketInfo: { ticketNumber: r.ticketNumber, ticketSystem: r.ticketSystem } } : {}),
    ...(when
      ? {
          scheduleInfo: {
            ...(when.start ? { startDateTime: when.start } : {}),
            expiration: when.permanent ? { type: type('noExpiration') } : { type: type('afterDateTime'), endDateTime: when.end },
          },
        }
      : {}),
  };
}
