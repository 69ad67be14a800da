/** Orchestrator, activity and event names: one place, so workflow and callers agree. */
export const ACTIVATION_ORCHESTRATOR = 'activationOrchestrator';

export const ACTIVITIES = {
  settleStage: 'activationSettleStage',
  grant: 'activationGrant',
  fail: 'activationFail',
  currentEnd: 'activationCurrentEnd',
  revoke: 'activationRevoke',
} as const;

/** A refresh of the PIM alerts: one orchestration per refresh, its one activity the scan. */
export const ALERTS_REFRESH_ORCHESTRATOR = 'alertsRefreshOrchestrator';

export const ALERTS_REFRESH_ACTIVITIES = {
  scan: 'alertsRefreshScan',
  fail: 'alertsRefreshFail',
} as const;
