/** Small labelled form controls for the role settings editor: every control has a visible label. */
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';

export function Check(props: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
  const hint = useId();
  return (
    <div class="check">
      <label>
        <input type="checkbox" checked={props.checked} aria-describedby={props.hint ? hint : undefined} onChange={(e) => props.onChange(e.currentTarget.checked)} />
        {props.label}
      </label>
      {props.hint && (
        <p id={hint} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/**
 * A text field that keeps what the user typed (so "1." or "a@x.test," stay on screen while
 * typing) and reports each change; `initial` is read once, so a new value needs a new key.
 */
export function TextField(props: { label: string; initial: string; onText: (text: string) => void; hint?: string; inputMode?: 'decimal' | 'numeric' | 'email' | 'url' | 'text'; disabled?: boolean }) {
  const [text, setText] = useState(props.initial);
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="text"
        inputMode={props.inputMode}
        value={text}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={(e) => {
          setText(e.currentTarget.value);
          props.onText(e.currentTarget.value);
        }}
      />
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A labelled select; `placeholder` adds a first, empty choice ("Choose a role…"). */
export function Choice<T extends string>(props: { label: string; value: T; options: Array<{ value: T; label: string }>; onChange: (value: T) => void; placeholder?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as T)}>
        {props.placeholder !== undefined && <option value="">{props.placeholder}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A titled group of settings (a fieldset, so its legend names every control in it). */
export function Group(props: { legend: string; children: ComponentChildren; class?: string }) {
  return (
    <fieldset class={props.class ?? 'settings-group'}>
      <legend>{props.legend}</legend>
      {props.children}
    </fieldset>
  );
}
