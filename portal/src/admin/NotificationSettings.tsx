import type { NotificationRule, RecipientType } from '../../../shared/domain/policy/types';
import { Check, Choice, Group, TextField } from './fields';
import { NOTIFICATION, type RuleGroupProps, ruleOf, splitList } from './rules';

/** The three moments PIM mails about, and who gets each mail, in Entra's words. */
const SCENARIOS = [
  { key: 'Admin_Eligibility', legend: 'When members are assigned as eligible' },
  { key: 'Admin_Assignment', legend: 'When members are assigned as active' },
  { key: 'EndUser_Assignment', legend: 'When eligible members activate' },
] as const;

const RECIPIENTS: Array<{ type: RecipientType; title: (scenario: string) => string }> = [
  { type: 'Admin', title: () => 'Role assignment alert (admins)' },
  { type: 'Requestor', title: (s) => (s === 'EndUser_Assignment' ? 'Notification to the activated user (requestor)' : 'Notification to the assigned user (assignee)') },
  { type: 'Approver', title: (s) => (s === 'EndUser_Assignment' ? 'Request to approve an activation (approvers)' : 'Request to approve an assignment renewal or extension (approvers)') },
];

/** Every notification rule: per moment and recipient type, which mails go, to the default recipients or not, and to whom else. */
export function NotificationSettings(props: RuleGroupProps) {
  return (
    <Group legend="Notifications">
      {SCENARIOS.map((scenario) => (
        <Group key={scenario.key} legend={scenario.legend} class="settings-group notifications">
          {RECIPIENTS.map((r) => {
            const rule = ruleOf(props.rules, `Notification_${r.type}_${scenario.key}`, NOTIFICATION);
            return rule && <Recipient key={r.type} title={r.title(scenario.key)} rule={rule} onChange={props.onChange} />;
          })}
        </Group>
      ))}
    </Group>
  );
}

function Recipient(props: { title: string; rule: NotificationRule; onChange: RuleGroupProps['onChange'] }) {
  const { rule } = props;
  return (
    <Group legend={props.title} class="settings-group recipient">
      <Choice
        label="Emails sent"
        value={rule.notificationLevel}
        options={[
          { value: 'All', label: 'All' },
          { value: 'Critical', label: 'Critical only' },
          { value: 'None', label: 'None' },
        ]}
        onChange={(notificationLevel) => props.onChange({ ...rule, notificationLevel })}
      />
      <Check label="Send to the default recipients" checked={rule.isDefaultRecipientsEnabled} onChange={(v) => props.onChange({ ...rule, isDefaultRecipientsEnabled: v })} />
      <TextField
        label="Additional recipients"
        inputMode="email"
        initial={rule.notificationRecipients.join(', ')}
        hint="Email addresses, separated by commas."
        onText={(text) => props.onChange({ ...rule, notificationRecipients: splitList(text) })}
      />
    </Group>
  );
}
