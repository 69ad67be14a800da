import { defaultApprovalStage } from '../../../shared/domain/policy/defaults';
import type { ApprovalStage } from '../../../shared/domain/policy/types';
import { ApproverList } from './ApproverList';
import { Check, Choice, Group, TextField } from './fields';
import { APPROVAL, type RuleGroupProps, ruleOf } from './rules';
import type { Directory } from './targets';

const MAX_STAGES = 3;

/**
 * A typed whole number. What is not one is sent as typed: the API refuses it with a message
 * saying what to enter, where NaN would travel as null and quietly become the default.
 */
const wholeNumber = (text: string): number => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : (text as unknown as number));

/**
 * Approval of activations: whether it is required (also for extension), the requester's
 * justification, and 1 to 3 stages, each with its approvers, how many approvals it needs, its
 * timeout, whether approvers must justify, and escalation (to whom, after how long).
 */
export function ApprovalSettings(props: RuleGroupProps & { directory: Directory | undefined }) {
  const rule = ruleOf(props.rules, 'Approval_EndUser_Assignment', APPROVAL);
  if (!rule) return null;
  const setting = rule.setting;
  const set = (change: Partial<typeof setting>) => props.onChange({ ...rule, setting: { ...setting, ...change } });
  const setStage = (i: number, change: Partial<ApprovalStage>) => set({ approvalStages: setting.approvalStages.map((s, j) => (j === i ? { ...s, ...change } : s)) });
  return (
    <Group legend="Approval">
      <Check label="Require approval to activate" checked={setting.isApprovalRequired} onChange={(isApprovalRequired) => set({ isApprovalRequired })} />
      <Check label="Require approval to extend an activation" checked={setting.isApprovalRequiredForExtension} onChange={(v) => set({ isApprovalRequiredForExtension: v })} />
      <Check label="Requester must give a justification for approvers" checked={setting.isRequestorJustificationRequired} onChange={(v) => set({ isRequestorJustificationRequired: v })} />
      {setting.approvalStages.map((stage, i) => (
        <Group key={`${i}/${setting.approvalStages.length}`} legend={`Approval stage ${i + 1}`} class="settings-group stage">
          <ApproverList label={`Stage ${i + 1} approvers`} approvers={stage.primaryApprovers} directory={props.directory} onChange={(primaryApprovers) => setStage(i, { primaryApprovers })} />
          <TextField
            label="Approvals needed"
            inputMode="numeric"
            initial={String(stage.quorum?.approvalsRequired ?? 1)}
            hint="How many different approvers must approve (1 to 25; not more than the named users, unless a group approves)."
            onText={(text) => setStage(i, { quorum: { approvalsRequired: wholeNumber(text), denyMode: stage.quorum?.denyMode ?? 'any' } })}
          />
          <Choice
            label="A deny ends the request when"
            value={stage.quorum?.denyMode ?? 'any'}
            options={[
              { value: 'any', label: 'any approver denies' },
              { value: 'majority', label: 'a majority of the approvers deny' },
            ]}
            onChange={(denyMode) => setStage(i, { quorum: { approvalsRequired: stage.quorum?.approvalsRequired ?? 1, denyMode } })}
          />
          <TextField
            label="Stage timeout (days)"
            inputMode="numeric"
            initial={String(stage.approvalStageTimeOutInDays)}
            hint="1 to 7 days; an undecided request then times out."
            onText={(text) => setStage(i, { approvalStageTimeOutInDays: wholeNumber(text) })}
          />
          <Check label="Approvers must give a justification" checked={stage.isApproverJustificationRequired} onChange={(v) => setStage(i, { isApproverJustificationRequired: v })} />
          <Check label="Escalate to other approvers when undecided" checked={stage.isEscalationEnabled} onChange={(v) => setStage(i, { isEscalationEnabled: v })} />
          <TextField
            label="Escalate after (minutes)"
            inputMode="numeric"
            initial={String(stage.escalationTimeInMinutes)}
            hint="Above 0 and within the stage timeout."
            disabled={!stage.isEscalationEnabled}
            onText={(text) => setStage(i, { escalationTimeInMinutes: wholeNumber(text) })}
          />
          <ApproverList label={`Stage ${i + 1} escalation approvers`} approvers={stage.escalationApprovers} directory={props.directory} onChange={(escalationApprovers) => setStage(i, { escalationApprovers })} />
          {setting.approvalStages.length > 1 && (
            <div class="buttons">
              <button type="button" onClick={() => set({ approvalStages: setting.approvalStages.filter((_, j) => j !== i) })}>
                Remove stage {i + 1}
              </button>
            </div>
          )}
        </Group>
      ))}
      {setting.approvalStages.length < MAX_STAGES && (
        <div class="buttons">
          <button type="button" onClick={() => set({ approvalStages: [...setting.approvalStages, defaultApprovalStage()] })}>
            Add an approval stage
          </button>
        </div>
      )}
    </Group>
  );
}
