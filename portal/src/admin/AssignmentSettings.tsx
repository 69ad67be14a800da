import { EnablementChecks } from './ActivationSettings';
import { Check, Group, TextField } from './fields';
import type { EnabledRule } from '../../../shared/domain/policy/types';
import { daysToIso, EXPIRATION, isoToDays, type RuleGroupProps, ruleOf } from './rules';

/** Eligible and active assignments made by admins: whether they may be permanent, when they must end, what an active one asks for. */
export function AssignmentSettings(props: RuleGroupProps) {
  return (
    <Group legend="Assignment">
      <ExpirySettings {...props} ruleId="Expiration_Admin_Eligibility" what="eligible" />
      <EnablementChecks {...props} ruleId="Enablement_Admin_Eligibility" options={adminChecks('eligible')} />
      <ExpirySettings {...props} ruleId="Expiration_Admin_Assignment" what="active" />
      <EnablementChecks {...props} ruleId="Enablement_Admin_Assignment" options={adminChecks('active')} />
    </Group>
  );
}

function ExpirySettings(props: RuleGroupProps & { ruleId: string; what: 'eligible' | 'active' }) {
  const rule = ruleOf(props.rules, props.ruleId, EXPIRATION);
  if (!rule) return null;
  return (
    <>
      <Check label={`Allow permanent ${props.what} assignment`} checked={!rule.isExpirationRequired} onChange={(permanent) => props.onChange({ ...rule, isExpirationRequired: !permanent })} />
      <TextField
        label={`Expire ${props.what} assignments after (days)`}
        inputMode="numeric"
        initial={isoToDays(rule.maximumDuration)}
        hint="From 1 to 365 days; applies when permanent assignments are not allowed."
        disabled={!rule.isExpirationRequired}
        onText={(text) => props.onChange({ ...rule, maximumDuration: daysToIso(text) })}
      />
    </>
  );
}

/** What the admin making an assignment must give: the API checks all three on adminAssign and its siblings. */
const adminChecks = (what: 'eligible' | 'active'): Array<{ rule: EnabledRule; label: string }> => [
  { rule: 'MultiFactorAuthentication', label: `Require multifactor authentication on ${what} assignment` },
  { rule: 'Justification', label: `Require justification on ${what} assignment` },
  { rule: 'Ticketing', label: `Require ticket information on ${what} assignment` },
];
