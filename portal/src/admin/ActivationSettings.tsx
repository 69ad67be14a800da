import { Check, Group, TextField } from './fields';
import type { EnabledRule } from '../../../shared/domain/policy/types';
import { AUTH_CONTEXT, ENABLEMENT, EXPIRATION, hoursToIso, isoToHours, type RuleGroupProps, ruleOf } from './rules';

/** What an activation asks for, as a list of enablement switches (shared with the assignment rules). */
export function EnablementChecks(props: RuleGroupProps & { ruleId: string; options: Array<{ rule: EnabledRule; label: string }> }) {
  const rule = ruleOf(props.rules, props.ruleId, ENABLEMENT);
  if (!rule) return null;
  const toggle = (name: EnabledRule, on: boolean) =>
    props.onChange({ ...rule, enabledRules: on ? [...rule.enabledRules.filter((r) => r !== name), name] : rule.enabledRules.filter((r) => r !== name) });
  return (
    <>
      {props.options.map((o) => (
        <Check key={o.rule} label={o.label} checked={rule.enabledRules.includes(o.rule)} onChange={(on) => toggle(o.rule, on)} />
      ))}
    </>
  );
}

/** Activation: how long, and what the person must give (MFA or an authentication context, a justification, a ticket). */
export function ActivationSettings(props: RuleGroupProps) {
  const expiration = ruleOf(props.rules, 'Expiration_EndUser_Assignment', EXPIRATION);
  const context = ruleOf(props.rules, 'AuthenticationContext_EndUser_Assignment', AUTH_CONTEXT);
  return (
    <Group legend="Activation">
      {expiration && (
        <TextField
          label="Activation maximum duration (hours)"
          inputMode="decimal"
          initial={isoToHours(expiration.maximumDuration)}
          hint="From 0.5 (30 minutes) to 24 hours."
          onText={(text) => props.onChange({ ...expiration, maximumDuration: hoursToIso(text) })}
        />
      )}
      <EnablementChecks
        {...props}
        ruleId="Enablement_EndUser_Assignment"
        options={[
          { rule: 'MultiFactorAuthentication', label: 'Require multifactor authentication on activation' },
          { rule: 'Justification', label: 'Require justification on activation' },
          { rule: 'Ticketing', label: 'Require ticket information on activation' },
        ]}
      />
      {context && (
        <>
          <Check
            label="Require a Conditional Access authentication context on activation"
            hint="Not together with multifactor authentication: the context decides how people sign in."
            checked={context.isEnabled}
            onChange={(isEnabled) => props.onChange({ ...context, isEnabled })}
          />
          <TextField
            label="Authentication context (claim value)"
            initial={context.claimValue ?? ''}
            hint="c1 to c99, as set up in Conditional Access."
            disabled={!context.isEnabled}
            onText={(text) => props.onChange({ ...context, claimValue: text.trim() || null })}
          />
        </>
      )}
    </Group>
  );
}
