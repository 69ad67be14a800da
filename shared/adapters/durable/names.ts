/** Orchestrator, activity and event names: one place, so workflow and callers agree. */
export const ACTIVATION_ORCHESTRATOR = 'activationOrchestrator';

export const ACTIVITIES = {
  settleStage: 'activationSettleStage',
  grant: 'activationGrant',
  fail: 'activationFail',
  currentEnd: 'activationCurrentEnd',
  revoke: 'activationRevoke',
} as const;
