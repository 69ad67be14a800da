import type { ComponentChildren } from 'preact';

/** What every page starts with: a Refresh button (disabled while `busy`), the last error (an alert) and the last outcome (a status line). */
export function PageStatus(props: { onRefresh: () => void; error?: string; note?: string; busy?: boolean }) {
  return (
    <>
      <div class="buttons">
        <button type="button" disabled={props.busy} onClick={props.onRefresh}>
          Refresh
        </button>
      </div>
      {props.error && <p role="alert" class="error">{props.error}</p>}
      <p role="status">{props.note ?? ''}</p>
    </>
  );
}

/** A titled table, or a sentence when it has no rows; `headers` name the columns, `children` are the rows. */
export function TableSection(props: { id: string; title: string; empty: string; count: number; headers: string[]; children: ComponentChildren }) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.count === 0 ? (
        <p>{props.empty}</p>
      ) : (
        // Why tabindex: at phone width the table scrolls sideways, and keyboard users must reach it.
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby={props.id}>
          <table>
            <thead>
              <tr>
                {props.headers.map((h) => (
                  <th scope="col" key={h}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{props.children}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The longest justification the portal takes (Graph's justification is free text; 500 keeps mail and audit readable). */
export const MAX_REASON = 500;

/**
 * A justification box with its character count under it; `note` extends the count line (e.g.
 * how many items are selected). The count is the box's description for screen readers.
 */
export function ReasonField(props: { id: string; label: string; value: string; onInput: (value: string) => void; required?: boolean; note?: string }) {
  const countId = `${props.id}-count`;
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <textarea id={props.id} maxLength={MAX_REASON} required={props.required} value={props.value} aria-describedby={countId} onInput={(e) => props.onInput(e.currentTarget.value)} />
      <p id={countId} class="hint">
        {props.value.length}/{MAX_REASON} characters{props.note ? ` · ${props.note}` : ''}
      </p>
    </>
  );
}

/**
 * The row of decision buttons under a batch of selected items (approvals, review items): the
 * first is the primary action; all wait while a decision is being sent.
 */
export function DecisionButtons<D extends string>(props: { busy: boolean; choices: Array<{ decision: D; label: string }>; onDecide: (decision: D) => void }) {
  return (
    <div class="buttons">
      {props.choices.map((c, i) => (
        <button key={c.decision} type="button" class={i === 0 ? 'primary' : undefined} disabled={props.busy} onClick={() => props.onDecide(c.decision)}>
          {c.label}
        </button>
      ))}
    </div>
  );
}
