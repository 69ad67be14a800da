import { useState } from 'preact/hooks';

/**
 * Which Azure scope My roles shows Azure resource roles from: every scope (the default), or
 * one resource, resource group, subscription or management group. Seen from a scope, what is
 * held above it is Inherited, and activating it grants the role at that scope only.
 */
export function AzureScopeField({ value, onChange }: { value: string | undefined; onChange: (scope: string | undefined) => void }) {
  const [text, setText] = useState(value ?? '');
  const apply = (e: Event) => {
    e.preventDefault();
    const scope = text.trim().replace(/\/+$/, '');
    onChange(scope ? (scope.startsWith('/') ? scope : `/${scope}`) : undefined);
  };
  return (
    <form class="scope-form" onSubmit={apply} aria-label="Azure scope">
      <label for="azure-scope">Azure resource roles seen from scope (optional)</label>
      <div class="inline">
        <input id="azure-scope" value={text} placeholder="/subscriptions/…/resourceGroups/…" aria-describedby="azure-scope-hint" onInput={(e) => setText(e.currentTarget.value)} />
        <button type="submit">Show</button>
        {value && (
          <button
            type="button"
            onClick={() => {
              setText('');
              onChange(undefined);
            }}
          >
            All scopes
          </button>
        )}
      </div>
      <p id="azure-scope-hint" class="hint">
        {value ? `Showing Azure roles as seen from ${value}: roles held above it are Inherited, and activate at this scope only.` : 'Showing Azure roles at every scope. Give a resource, resource group, subscription or management group to use an inherited role there only.'}
      </p>
    </form>
  );
}
