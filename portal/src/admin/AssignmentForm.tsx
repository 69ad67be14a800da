import { useEffect, useState } from 'preact/hooks';
import { useModal } from '../useModal';
import { errorText } from '../errors';
import { type AdminAction, type AdminApis, type AdminRules, type AdminTarget, isoDurationMs, type ScheduleChoice, type ScheduleKind, sendAdminRequest } from './assignments';
import type { Named } from './directory';

const MAX_REASON = 500;

/** What the dialog does: add, or change one principal's assignment of a known kind. */
export type FormMode =
  | { action: 'adminAssign' }
  | { action: Exclude<AdminAction, 'adminAssign'>; kind: ScheduleKind; principalId: string; principal: string; start?: string; end?: string };

const TITLES: Record<AdminAction, string> = {
  adminAssign: 'Add assignment',
  adminUpdate: 'Update assignment',
  adminExtend: 'Extend assignment',
  adminRenew: 'Renew assignment',
  adminRemove: 'Remove assignment',
};

const SUBMIT: Record<AdminAction, string> = {
  adminAssign: 'Assign',
  adminUpdate: 'Save',
  adminExtend: 'Extend',
  adminRenew: 'Renew',
  adminRemove: 'Remove',
};

const kindWord = (kind: ScheduleKind) => (kind === 'eligibility' ? 'eligible' : 'active');

/** An instant as a datetime-local value (the browser's time zone), and back. */
function toLocalInput(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

export function describeDuration(iso: string): string {
  const ms = isoDurationMs(iso);
  if (ms === undefined) return iso;
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const parts = [days ? `${days} day${days === 1 ? '' : 's'}` : '', hours ? `${hours} hour${hours === 1 ? '' : 's'}` : ''].filter(Boolean);
  return parts.join(' ') || iso;
}

/**
 * The admin's schedule request form, a modal <dialog>. It offers what the target's policy
 * allows (no "Permanent" where assignments must end); the API still decides, and when it
 * refuses, its message is shown here and nothing has changed.
 */
export function AssignmentForm(props: {
  apis: AdminApis;
  target: AdminTarget;
  targetName: string;
  mode: FormMode;
  rules: Record<ScheduleKind, AdminRules>;
  users?: Named[];
  /** Reads the target's policy again (after a refusal, the settings may have changed meanwhile). */
  reloadRules: () => Promise<void>;
  onClose: (outcome?: string) => void;
}) {
  const { mode } = props;
  const { dialog, close } = useModal(props.onClose);
  const [kind, setKind] = useState<ScheduleKind>(mode.action === 'adminAssign' ? 'eligibility' : mode.kind);
  const [principalId, setPrincipalId] = useState(mode.action === 'adminAssign' ? '' : mode.principalId);
  const rules = props.rules[kind];
  const [permanent, setPermanent] = useState(mode.action === 'adminAssign' || mode.action === 'adminRenew' ? rules.permanentAllowed : mode.end === undefined && rules.permanentAllowed);
  const [start, setStart] = useState(mode.action === 'adminUpdate' ? toLocalInput(mode.start) : '');
  const [end, setEnd] = useState(mode.action === 'adminUpdate' || mode.action === 'adminExtend' ? toLocalInput(mode.end) : '');
  const [reason, setReason] = useState('');
  const [ticketNumber, setTicketNumber] = useState('');
  const [ticketSystem, setTicketSystem] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  // Why: switching to a kind whose policy forbids permanent assignments must not keep "Permanent" chosen.
  useEffect(() => {
    if (!rules.permanentAllowed) setPermanent(false);
  }, [kind, rules.permanentAllowed]);

  const principalName = mode.action === 'adminAssign' ? props.users?.find((u) => u.id === principalId)?.displayName ?? principalId : mode.principal;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const schedule: ScheduleChoice | undefined =
      mode.action === 'adminRemove' ? undefined : { permanent, start: mode.action === 'adminExtend' || permanent ? undefined : fromLocalInput(start), end: permanent ? undefined : fromLocalInput(end) };
    try {
      await sendAdminRequest(props.apis, props.target, kind, mode.action, { principalId: principalId.trim(), justification: reason, ticketNumber, ticketSystem, schedule });
      close(outcomeOf(mode.action, principalName, kindWord(kind), props.targetName));
    } catch (err) {
      setError(errorText(err));
      // Why: a refusal often means the role's settings changed since the form opened; show them as they are now.
      await props.reloadRules().catch(() => undefined);
    } finally {
      setBusy(false);
    }
  };

  const changing = mode.action !== 'adminAssign';
  return (
    <dialog ref={dialog} aria-labelledby="form-title" onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id="form-title">{TITLES[mode.action]}</h2>
      <p>
        {changing ? `${principalName}: ${kindWord(kind)} assignment of ${props.targetName}.` : `To ${props.targetName}.`}
      </p>
      {error && <p role="alert" class="error">{error}</p>}
      <form onSubmit={(e) => void submit(e)}>
        {mode.action === 'adminAssign' && (
          <>
            <fieldset>
              <legend>Assignment type</legend>
              <div class="pick">
                <input type="radio" id="kind-eligible" name="kind" checked={kind === 'eligibility'} onChange={() => setKind('eligibility')} />
                <label for="kind-eligible">Eligible (activates when needed)</label>
              </div>
              <div class="pick">
                <input type="radio" id="kind-active" name="kind" checked={kind === 'assignment'} onChange={() => setKind('assignment')} />
                <label for="kind-active">Active (holds the access now)</label>
              </div>
            </fieldset>
            <PrincipalPicker users={props.users} value={principalId} onChange={setPrincipalId} />
          </>
        )}

        {mode.action !== 'adminRemove' && (
          <fieldset>
            <legend>{mode.action === 'adminExtend' ? 'New end' : 'Duration'}</legend>
            <div class="pick">
              <input type="radio" id="when-permanent" name="when" checked={permanent} disabled={!rules.permanentAllowed} aria-describedby="when-hint" onChange={() => setPermanent(true)} />
              <label for="when-permanent">Permanent</label>
            </div>
            <div class="pick">
              <input type="radio" id="when-bound" name="when" checked={!permanent} onChange={() => setPermanent(false)} />
              <label for="when-bound">{mode.action === 'adminExtend' ? 'Until a later date' : 'Time-bound'}</label>
            </div>
            <p id="when-hint" class="hint">
              {rules.permanentAllowed
                ? 'This role’s settings allow permanent assignments.'
                : `This role’s settings require ${kindWord(kind)} assignments to end${rules.maximumDuration ? ` within ${describeDuration(rules.maximumDuration)}` : ''}.`}
            </p>
            {!permanent && (
              <>
                {mode.action !== 'adminExtend' && (
                  <>
                    <label for="start">Start (leave empty for now)</label>
                    <input id="start" type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} />
                  </>
                )}
                <label for="end">End</label>
                <input id="end" type="datetime-local" required value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
              </>
            )}
          </fieldset>
        )}

        <label for="admin-reason">Reason{rules.justification && mode.action !== 'adminRemove' ? ' (required)' : ' (optional)'}</label>
        <textarea
          id="admin-reason"
          maxLength={MAX_REASON}
          required={rules.justification && mode.action !== 'adminRemove'}
          value={reason}
          aria-describedby="admin-reason-count"
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        <p id="admin-reason-count" class="hint">
          {reason.length}/{MAX_REASON} characters
        </p>
        {rules.ticketing && mode.action !== 'adminRemove' && (
          <fieldset>
            <legend>Ticket (required by this role's settings)</legend>
            <label for="admin-ticket-number">Ticket number</label>
            <input id="admin-ticket-number" required value={ticketNumber} onInput={(e) => setTicketNumber(e.currentTarget.value)} />
            <label for="admin-ticket-system">Ticket system</label>
            <input id="admin-ticket-system" value={ticketSystem} onInput={(e) => setTicketSystem(e.currentTarget.value)} />
          </fieldset>
        )}
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy}>
            {SUBMIT[mode.action]}
          </button>
          <button type="button" onClick={() => close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A user from the directory when it can be listed here; otherwise their object id. */
function PrincipalPicker(props: { users?: Named[]; value: string; onChange: (id: string) => void }) {
  if (!props.users) {
    return (
      <>
        <label for="principal">Principal (object id)</label>
        <input id="principal" required value={props.value} onInput={(e) => props.onChange(e.currentTarget.value)} />
      </>
    );
  }
  return (
    <>
      <label for="principal">Principal</label>
      <select id="principal" required value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">Choose a user…</option>
        {props.users.map((u) => (
          <option key={u.id} value={u.id}>
            {u.displayName}
            {u.detail ? ` (${u.detail})` : ''}
          </option>
        ))}
      </select>
    </>
  );
}

function outcomeOf(action: AdminAction, principal: string, kind: string, target: string): string {
  switch (action) {
    case 'adminAssign':
      return `${principal} now has an ${kind} assignment of ${target}.`;
    case 'adminUpdate':
      return `${principal}'s ${kind} assignment of ${target} was updated.`;
    case 'adminExtend':
      return `${principal}'s ${kind} assignment of ${target} was extended.`;
    case 'adminRenew':
      return `${principal}'s ${kind} assignment of ${target} was renewed.`;
    case 'adminRemove':
      return `${principal}'s ${kind} assignment of ${target} was removed.`;
  }
}
