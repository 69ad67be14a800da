import { EVENT_TYPES, type EventType } from '../../../shared/domain/events';
import { MAX_WEBHOOK_TARGETS, WEBHOOK_FORMATS, type WebhookFormat, type WebhookTarget } from '../../../shared/domain/webhooks';
import { Check, Choice, Group, TextField } from './fields';

const FORMAT_NAMES: Record<WebhookFormat, string> = { teams: 'Microsoft Teams', slack: 'Slack', json: 'Signed JSON' };

/**
 * Where this role's events are also sent (the policy's `pimWebhooks`): per target its name, URL,
 * format, the events it wants (all, or chosen ones) and, for signed JSON, the signing key's name.
 * Only directory roles and groups carry them; `targets` undefined says the surface has none.
 */
export function WebhookSettings(props: { targets: WebhookTarget[] | undefined; onChange: (targets: WebhookTarget[]) => void }) {
  const { targets } = props;
  if (!targets) {
    return (
      <Group legend="Webhooks">
        <p class="muted">Azure role settings (the ARM surface) carry no webhooks; set them on directory roles and groups.</p>
      </Group>
    );
  }
  const setTarget = (i: number, change: Partial<WebhookTarget>) => props.onChange(targets.map((t, j) => (j === i ? { ...t, ...change } : t)));
  return (
    <Group legend="Webhooks">
      {targets.length === 0 && <p class="muted">No webhooks: events go by mail only.</p>}
      {targets.map((t, i) => (
        <Group key={`${i}/${targets.length}`} legend={`Webhook ${i + 1}`} class="settings-group webhook">
          <TextField label="Name" initial={t.id} hint="Letters, digits, _ or -; unique in this policy." onText={(id) => setTarget(i, { id: id.trim() })} />
          <TextField label="URL" inputMode="url" initial={t.url} hint="https (http only for localhost)." onText={(url) => setTarget(i, { url: url.trim() })} />
          <Choice
            label="Format"
            value={t.format}
            options={WEBHOOK_FORMATS.map((f) => ({ value: f, label: FORMAT_NAMES[f] }))}
            onChange={(format) => setTarget(i, { format, signingKeyName: format === 'json' ? t.signingKeyName : null })}
          />
          {t.format === 'json' && (
            <TextField label="Signing key name" initial={t.signingKeyName ?? ''} hint="A key named in the PIM_WEBHOOK_KEYS setting." onText={(name) => setTarget(i, { signingKeyName: name.trim() || null })} />
          )}
          <Check label="Send all events" checked={t.events === null} onChange={(all) => setTarget(i, { events: all ? null : [] })} />
          {t.events !== null && <EventChoice chosen={t.events} onChange={(events) => setTarget(i, { events })} />}
          <div class="buttons">
            <button type="button" onClick={() => props.onChange(targets.filter((_, j) => j !== i))}>
              Remove webhook {i + 1}
            </button>
          </div>
        </Group>
      ))}
      {targets.length < MAX_WEBHOOK_TARGETS && (
        <div class="buttons">
          <button type="button" onClick={() => props.onChange([...targets, { id: `hook-${targets.length + 1}`, url: '', format: 'teams', events: null, signingKeyName: null }])}>
            Add a webhook
          </button>
        </div>
      )}
    </Group>
  );
}

function EventChoice(props: { chosen: EventType[]; onChange: (events: EventType[]) => void }) {
  return (
    <Group legend="Events to send" class="settings-group events">
      {EVENT_TYPES.map((type) => (
        <Check key={type} label={type} checked={props.chosen.includes(type)} onChange={(on) => props.onChange(on ? [...props.chosen, type] : props.chosen.filter((e) => e !== type))} />
      ))}
    </Group>
  );
}
