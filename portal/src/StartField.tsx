import { useState } from 'preact/hooks';

/** A local date and time as <input type="datetime-local"> writes it (YYYY-MM-DDTHH:mm). */
function localValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * When the activation should start: now (the default), or a later time the user picks. The
 * request is then granted at once and the role provisioned at that time.
 */
export function StartField({ value, onChange }: { value: Date | undefined; onChange: (d: Date | undefined) => void }) {
  const [later, setLater] = useState(value !== undefined);
  const [text, setText] = useState(() => localValue(value ?? new Date(Date.now() + 60 * 60_000)));
  const pick = (on: boolean) => {
    setLater(on);
    onChange(on ? new Date(text) : undefined);
  };
  return (
    <fieldset>
      <legend>Start</legend>
      <div class="pick">
        <input type="checkbox" id="start-later" checked={later} onChange={(e) => pick(e.currentTarget.checked)} />
        <label for="start-later">Start at a later time (custom start)</label>
      </div>
      {later && (
        <>
          <label for="start-time">Start time (your local time)</label>
          <input
            id="start-time"
            type="datetime-local"
            required
            min={localValue(new Date())}
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              const d = new Date(e.currentTarget.value);
              onChange(Number.isNaN(d.getTime()) ? undefined : d);
            }}
          />
        </>
      )}
    </fieldset>
  );
}
