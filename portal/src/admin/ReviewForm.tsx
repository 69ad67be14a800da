import { useId, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { REVIEWS } from '../reviews';
import { type Assignments, type Cadence, type Recurrence, recurrenceOf, type ReviewerKind, reviewersOf, scopeOf, userScope } from './reviewBody';
import { AssignmentTarget } from './AssignmentTarget';
import type { Directory } from './directory';
import { Check, Choice, Group, TextField } from './fields';
import type { AdminTarget } from './ports';

const today = () => new Date().toISOString().slice(0, 10);

/** Users chosen by name where the directory can be listed (devhost), else typed as object ids. */
function UserChoice(props: { legend: string; directory: Directory; chosen: string[]; onChange: (ids: string[]) => void }) {
  const id = useId();
  if (!props.directory.users) {
    return (
      <TextField label={`${props.legend} (object ids)`} initial={props.chosen.join(', ')} hint="Separate them with commas or spaces." onText={(t) => props.onChange(t.split(/[\s,;]+/).filter(Boolean))} />
    );
  }
  return (
    <fieldset class="settings-group user-choice">
      <legend>{props.legend}</legend>
      {props.directory.users.map((u) => (
        <div class="check" key={u.id}>
          <label for={`${id}-${u.id}`}>
            <input
              id={`${id}-${u.id}`}
              type="checkbox"
              checked={props.chosen.includes(u.id)}
              onChange={(e) => props.onChange(e.currentTarget.checked ? [...props.chosen, u.id] : props.chosen.filter((c) => c !== u.id))}
            />
            {u.displayName}
            {u.detail ? ` (${u.detail})` : ''}
          </label>
        </div>
      ))}
    </fieldset>
  );
}

/**
 * A new access review: first what is reviewed (the Assignments page's target chooser), then who
 * reviews, how often, and what happens to what nobody decides.
 */
export function ReviewForm({ api, directory, onCreated, onCancel }: { api: Api; directory: Directory; onCreated: (name: string) => void; onCancel: () => void }) {
  const [target, setTarget] = useState<{ target: AdminTarget; name: string }>();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [assignments, setAssignments] = useState<Assignments>('eligible');
  const [reviewerKind, setReviewerKind] = useState<ReviewerKind>('users');
  const [users, setUsers] = useState<string[]>([]);
  const [groupId, setGroupId] = useState(directory.groups?.[0]?.id ?? '');
  const [fallback, setFallback] = useState<string[]>([]);
  const [recurrence, setRecurrence] = useState<Recurrence>({ cadence: 'quarterly', startDate: today(), end: 'noEnd', endDate: '', occurrences: 4 });
  const [days, setDays] = useState('14');
  const [defaultDecision, setDefaultDecision] = useState<'None' | 'Approve' | 'Deny' | 'Recommendation'>('None');
  const [autoApply, setAutoApply] = useState(false);
  const [justificationRequired, setJustificationRequired] = useState(true);
  const [recommendations, setRecommendations] = useState(true);
  const [lookBack, setLookBack] = useState('30');
  const [mail, setMail] = useState(true);
  const [reminders, setReminders] = useState(true);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ids = useId();

  if (!target) {
    return (
      <section aria-labelledby={`${ids}-title`}>
        <h2 id={`${ids}-title`}>New access review: what to review</h2>
        <AssignmentTarget directory={directory} arm={api} directoryWide submitLabel="Review this" onPick={(t, n) => setTarget({ target: t, name: n })} />
        <div class="buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </section>
    );
  }

  const groupChoices = directory.groups?.map((g) => ({ value: g.id, label: g.displayName }));
  const setRec = <K extends keyof Recurrence>(key: K, value: Recurrence[K]) => setRecurrence({ ...recurrence, [key]: value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!name.trim()) return setError('Give the review a name.');
    if (reviewerKind === 'users' && users.length === 0) return setError('Choose at least one reviewer.');
    if ((reviewerKind === 'groupMembers' || reviewerKind === 'groupOwners') && !groupId.trim()) return setError('Choose the group whose members or owners review.');
    const duration = Number(days);
    if (!Number.isInteger(duration) || duration < 1) return setError('The review lasts a whole number of days, at least 1.');
    const body = {
      displayName: name.trim(),
      descriptionForReviewers: description.trim(),
      descriptionForAdmins: description.trim(),
      scope: scopeOf(target.target, assignments),
      reviewers: reviewersOf(reviewerKind, users, groupId.trim()),
      fallbackReviewers: reviewerKind === 'self' || reviewerKind === 'users' ? [] : fallback.map(userScope),
      settings: {
        mailNotificationsEnabled: mail,
        reminderNotificationsEnabled: reminders,
        justificationRequiredOnApproval: justificationRequired,
        defaultDecisionEnabled: defaultDecision !== 'None',
        defaultDecision,
        instanceDurationInDays: duration,
        autoApplyDecisionsEnabled: autoApply,
        recommendationsEnabled: recommendations,
        recommendationLookBackDuration: `P${Number(lookBack) || 30}D`,
        recurrence: recurrenceOf(recurrence, today()),
      },
    };
    setBusy(true);
    try {
      await api.call('POST', `${REVIEWS}/definitions`, body);
      onCreated(body.displayName);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="review-form" aria-labelledby={`${ids}-title`} onSubmit={(e) => void submit(e)}>
      <h2 id={`${ids}-title`}>New access review of {target.name}</h2>
      <div class="buttons">
        <button type="button" onClick={() => setTarget(undefined)}>
          Review something else
        </button>
      </div>
      <Group legend="The review">
        <TextField label="Name" initial={name} onText={setName} />
        <div class="field">
          <label for={`${ids}-description`}>Description for reviewers</label>
          <textarea id={`${ids}-description`} maxLength={1000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </div>
        {target.target.kind === 'group' ? (
          <p class="hint">Eligible and active {target.target.accessId === 'owner' ? 'owners' : 'members'} of the group are reviewed.</p>
        ) : (
          <Choice
            label="Assignments to review"
            value={assignments}
            options={[
              { value: 'eligible', label: 'Eligible assignments' },
              { value: 'active', label: 'Active (permanent) assignments' },
              ...(target.target.kind === 'role' ? [{ value: 'both' as const, label: 'Eligible and active assignments' }] : []),
            ]}
            onChange={setAssignments}
          />
        )}
      </Group>
      <Group legend="Reviewers">
        <Choice
          label="Who reviews"
          value={reviewerKind}
          options={[
            { value: 'users', label: 'Named users' },
            { value: 'self', label: 'Each person reviews their own access (self-review)' },
            { value: 'groupOwners', label: 'Owners of a group' },
            { value: 'groupMembers', label: 'Members of a group' },
            { value: 'manager', label: "Each person's manager" },
          ]}
          onChange={setReviewerKind}
        />
        {reviewerKind === 'users' && <UserChoice legend="Named reviewers" directory={directory} chosen={users} onChange={setUsers} />}
        {(reviewerKind === 'groupOwners' || reviewerKind === 'groupMembers') &&
          (groupChoices ? <Choice label="Group" value={groupId} options={groupChoices} onChange={setGroupId} /> : <TextField label="Group object id" initial={groupId} onText={setGroupId} />)}
        {reviewerKind !== 'users' && reviewerKind !== 'self' && (
          <UserChoice legend="Fallback reviewers (when the reviewers above resolve to nobody)" directory={directory} chosen={fallback} onChange={setFallback} />
        )}
      </Group>
      <Group legend="Schedule">
        <Choice
          label="Recurrence"
          value={recurrence.cadence}
          options={[
            { value: 'once' as Cadence, label: 'One time' },
            { value: 'weekly' as Cadence, label: 'Weekly' },
            { value: 'monthly' as Cadence, label: 'Monthly' },
            { value: 'quarterly' as Cadence, label: 'Quarterly' },
            { value: 'semiAnnually' as Cadence, label: 'Semi-annually' },
            { value: 'annually' as Cadence, label: 'Annually' },
          ]}
          onChange={(c) => setRec('cadence', c)}
        />
        <div class="field">
          <label for={`${ids}-start`}>Start date</label>
          <input id={`${ids}-start`} type="date" value={recurrence.startDate} onInput={(e) => setRec('startDate', e.currentTarget.value)} />
        </div>
        {recurrence.cadence !== 'once' && (
          <>
            <Choice
              label="End"
              value={recurrence.end}
              options={[
                { value: 'noEnd', label: 'Never' },
                { value: 'endDate', label: 'On a date' },
                { value: 'numbered', label: 'After a number of reviews' },
              ]}
              onChange={(v) => setRec('end', v)}
            />
            {recurrence.end === 'endDate' && (
              <div class="field">
                <label for={`${ids}-end`}>End date</label>
                <input id={`${ids}-end`} type="date" value={recurrence.endDate} onInput={(e) => setRec('endDate', e.currentTarget.value)} />
              </div>
            )}
            {recurrence.end === 'numbered' && <TextField label="Number of reviews" inputMode="numeric" initial={String(recurrence.occurrences)} onText={(t) => setRec('occurrences', Number(t))} />}
          </>
        )}
        <TextField label="Duration (days)" inputMode="numeric" initial={days} onText={setDays} hint="How long reviewers have to decide, each time." />
      </Group>
      <Group legend="Decisions">
        <Choice
          label="If reviewers don't respond"
          value={defaultDecision}
          options={[
            { value: 'None', label: 'No change' },
            { value: 'Deny', label: 'Remove access (Deny)' },
            { value: 'Approve', label: 'Keep access (Approve)' },
            { value: 'Recommendation', label: 'Take the recommendation' },
          ]}
          onChange={setDefaultDecision}
        />
        <Check label="Apply decisions automatically when the review ends" checked={autoApply} onChange={setAutoApply} hint="Denied access is removed as an admin removal would remove it." />
        <Check label="Require a justification on approval" checked={justificationRequired} onChange={setJustificationRequired} />
        <Check label="Show recommendations" checked={recommendations} onChange={setRecommendations} hint="Deny is recommended for access not activated within the look-back period." />
        {recommendations && <TextField label="Look-back period (days)" inputMode="numeric" initial={lookBack} onText={setLookBack} />}
        <Check label="Mail reviewers when the review starts" checked={mail} onChange={setMail} />
        <Check label="Remind reviewers halfway through" checked={reminders} onChange={setReminders} />
      </Group>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          Create access review
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
