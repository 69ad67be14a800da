import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { ActivationSettings } from './ActivationSettings';
import { ApprovalSettings } from './ApprovalSettings';
import type { AdminAccess } from './appRoles';
import { AssignmentSettings } from './AssignmentSettings';
import { NotificationSettings } from './NotificationSettings';
import { canonical, changedRules, type LoadedPolicy, type PolicyRule, policyStore, type PolicyStore, type SettingsTarget, type WebhookTarget } from './policyStore';
import { TargetPicker } from './TargetPicker';
import { armApi, type Directory, devhostDirectory } from './targets';
import { WebhookSettings } from './WebhookSettings';
import './admin.css';

interface Editing {
  target: SettingsTarget;
  store: PolicyStore;
  /** What the API holds (as last read or saved). */
  saved: LoadedPolicy;
  draft: { rules: PolicyRule[]; webhooks: WebhookTarget[] | undefined };
  /** Changes on every load, so the fields start again from what the API holds. */
  version: number;
}

/**
 * Admin → Role settings: pick a directory role, a group access or an Azure role at a scope, see
 * every rule of its policy, change them, and save only the rules that changed. PIM.Admin edits;
 * PIM.Auditor reads (the fields are disabled and there is no Save); others are told they cannot.
 */
/** `access`: what the signed-in user's app roles allow here (edit, read-only, or nothing). */
export function RoleSettings({ api, access }: { api: Api; access: AdminAccess }) {
  const [notice, setNotice] = useState<string>();
  const arm = useMemo(() => armApi(setNotice), []);
  const [directory, setDirectory] = useState<Directory>();
  const [editing, setEditing] = useState<Editing>();
  const [loading, setLoading] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();

  useEffect(() => {
    devhostDirectory().then(setDirectory, () => setDirectory(undefined));
  }, []);

  if (!access) return <p>Role settings are for PIM administrators (PIM.Admin) and auditors (PIM.Auditor).</p>;

  const load = async (target: SettingsTarget, after?: string) => {
    setLoading(target.name);
    setError(undefined);
    setNote(undefined);
    try {
      const store = policyStore(api, arm, target);
      const saved = await store.load();
      setEditing((e) => ({ target, store, saved, draft: { rules: saved.rules, webhooks: saved.webhooks }, version: (e?.version ?? 0) + 1 }));
      setNote(after);
    } catch (e) {
      setEditing(undefined);
      setError(errorText(e));
    } finally {
      setLoading(undefined);
    }
  };

  const changeRule = (rule: PolicyRule) => setEditing((e) => e && { ...e, draft: { ...e.draft, rules: e.draft.rules.map((r) => (r.id === rule.id ? rule : r)) } });
  const changeWebhooks = (webhooks: WebhookTarget[]) => setEditing((e) => e && { ...e, draft: { ...e.draft, webhooks } });

  const save = async () => {
    if (!editing) return;
    const rules = changedRules(editing.saved.rules, editing.draft.rules);
    const webhooksChanged = editing.draft.webhooks !== undefined && canonical(editing.draft.webhooks) !== canonical(editing.saved.webhooks);
    setError(undefined);
    setNote(undefined);
    if (rules.length === 0 && !webhooksChanged) {
      setNote('Nothing to save: no setting was changed.');
      return;
    }
    setBusy(true);
    try {
      const outcome = rules.length > 0 ? await editing.store.saveRules(rules) : { saved: [] };
      if (outcome.error) {
        // Why keep the draft: the user fixes what the API named instead of typing everything again;
        // rules the API already accepted become the new baseline, so they are not sent twice.
        const accepted = new Set(outcome.saved);
        setEditing((e) => e && { ...e, saved: { ...e.saved, rules: e.saved.rules.map((r) => (accepted.has(r.id) ? (e.draft.rules.find((d) => d.id === r.id) ?? r) : r)) } });
        setError(`Not saved: ${errorText(outcome.error)}${outcome.saved.length ? ` (Saved before that: ${outcome.saved.join(', ')}.)` : ''}`);
        return;
      }
      if (webhooksChanged && editing.draft.webhooks) await editing.store.saveWebhooks(editing.draft.webhooks);
      // Named in the policy's order, whatever order the PATCHes went in.
      const what = [...editing.draft.rules.map((r) => r.id).filter((id) => outcome.saved.includes(id)), ...(webhooksChanged ? ['webhooks'] : [])];
      await load(editing.target, `Saved ${editing.target.name}: ${what.join(', ')}.`);
    } catch (e) {
      setError(`Not saved: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const readOnly = access === 'read';
  const pending = editing ? changedRules(editing.saved.rules, editing.draft.rules).length : 0;
  return (
    <>
      {notice && <p class="notice">{notice}</p>}
      <TargetPicker api={api} arm={arm} directory={directory} onPick={(t) => void load(t)} />
      {loading && <p role="status">Loading the settings of {loading}…</p>}
      {!editing && error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {editing && (
        <section aria-labelledby="settings-title" class="role-settings" key={editing.version}>
          <h2 id="settings-title">Settings of {editing.target.name}</h2>
          {readOnly && <p class="muted">You can read these settings (PIM.Auditor); only PIM administrators (PIM.Admin) change them.</p>}
          {editing.saved.inheritedFrom && (
            <p class="notice">These settings follow the scope {editing.saved.inheritedFrom} (inherited). Saving here gives this scope its own settings.</p>
          )}
          {/* Why a disabled fieldset: auditors see every value as the editor shows it, and can change none. */}
          <fieldset class="editor" disabled={readOnly}>
            <legend class="visually-hidden">Role settings</legend>
            <ActivationSettings rules={editing.draft.rules} onChange={changeRule} />
            <ApprovalSettings rules={editing.draft.rules} onChange={changeRule} directory={directory} />
            <AssignmentSettings rules={editing.draft.rules} onChange={changeRule} />
            <NotificationSettings rules={editing.draft.rules} onChange={changeRule} />
            <WebhookSettings targets={editing.draft.webhooks} onChange={changeWebhooks} />
          </fieldset>
          {error && (
            <p role="alert" class="error">
              {error}
            </p>
          )}
          <p role="status">{note ?? (pending ? `${pending} changed rule${pending === 1 ? '' : 's'} not saved yet.` : '')}</p>
          {!readOnly && (
            <div class="buttons save-bar">
              <button type="button" class="primary" disabled={busy} onClick={() => void save()}>
                {busy ? 'Saving…' : 'Save'}
              </button>
              <button type="button" disabled={busy} onClick={() => void load(editing.target)}>
                Discard changes
              </button>
            </div>
          )}
        </section>
      )}
    </>
  );
}
