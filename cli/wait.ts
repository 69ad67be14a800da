import { approvalsPath, type Kind, requestsPath } from './access';
import type { Json, PimApi } from './api';
import { CliError } from './errors';
import type { Output } from './output';

/** Request states that end the wait; Provisioned is the only one that means "active". */
const FAILED = new Set(['Denied', 'TimedOut', 'Failed', 'Canceled', 'Revoked']);

/** What each state means to someone waiting for access, shown once each as it is reached. */
const STAGES: Record<string, string> = {
  PendingApproval: 'Approval pending: waiting for an approver',
  PendingAdminDecision: 'Waiting for an administrator',
  PendingScheduleCreation: 'Scheduled: waiting for the start time',
  Granted: 'Approved: activating',
  PendingProvisioning: 'Activating',
  Provisioned: 'Active: ready to use',
};

export interface WaitOptions {
  /** How long to wait in all before giving up (the request keeps going). */
  timeoutMs: number;
  pollMs: number;
}

/**
 * Polls the request until it is Provisioned (returns it) or ends otherwise (throws with the
 * reason: the approver's justification for a denial). Progress goes to stderr.
 */
export async function waitForRequest(api: PimApi, kind: Kind, id: string, out: Output, options: WaitOptions): Promise<Json> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string | undefined;
  out.progress('Request submitted');
  for (;;) {
    const request = await readRequest(api, kind, id);
    const status = String(request.status);
    if (status !== last) {
      last = status;
      const stage = STAGES[status];
      if (stage) out.progress(stage);
    }
    if (status === 'Provisioned') return request;
    if (FAILED.has(status)) throw new CliError(await failureReason(api, kind, request, status), 3, status);
    if (Date.now() >= deadline) {
      throw new CliError(`Still ${status} after waiting ${Math.round(options.timeoutMs / 1000)} s; the request ${id} goes on. Check it with 'pim requests'.`, 3, 'WaitTimedOut');
    }
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}

/** The request as Graph shows it; an ARM request (`id` is then its path) flattened to its properties and name. */
async function readRequest(api: PimApi, kind: Kind, id: string): Promise<Json> {
  if (kind !== 'azureRole') return api.get(`${requestsPath(kind)}/${encodeURIComponent(id)}`);
  const res = await api.arm.get(id);
  return { ...((res.properties as Json | undefined) ?? {}), id: res.name, armId: res.id };
}

async function failureReason(api: PimApi, kind: Kind, request: Json, status: string): Promise<string> {
  const what = `Request ${String(request.id)} ended ${status}`;
  if (status !== 'Denied' || typeof request.approvalId !== 'string' || kind === 'azureRole') return `${what}.`;
  // Why: the one who denied says why in the approval step; that is the reason to show.
  const approval = await api.get(`${approvalsPath(kind)}/${encodeURIComponent(request.approvalId)}`).catch(() => undefined);
  const steps = (approval?.steps ?? approval?.stages) as Array<{ reviewResult?: string; justification?: string; reviewedBy?: { displayName?: string } }> | undefined;
  const denial = steps?.find((s) => s.reviewResult === 'Deny' || s.reviewResult === 'Denied');
  if (!denial) return `${what}.`;
  return `${what} by ${denial.reviewedBy?.displayName ?? 'an approver'}: ${denial.justification ?? '(no reason given)'}`;
}
