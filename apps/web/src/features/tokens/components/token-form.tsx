import { type FormEvent, useId, useState } from 'react';
import { Button } from '../../../shared/ui/button';

export interface ScopeOption<S extends string> {
  value: S;
  description: string;
}

export interface TokenFormValues<S extends string> {
  name: string;
  scopes: S[];
  expires_at?: string;
}

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** Name, scopes and expiry of a new token; the expiry defaults to 30 days from today, as GitLab does. */
export function TokenForm<S extends string>({
  title,
  scopes,
  defaultScopes,
  pending,
  error,
  onSubmit,
  expiryHint = 'Leave empty for a token that does not expire.',
}: {
  /** What an empty expiry means for this kind of token. */
  expiryHint?: string;
  title: string;
  scopes: readonly ScopeOption<S>[];
  defaultScopes: S[];
  pending: boolean;
  error: string | null;
  onSubmit: (values: TokenFormValues<S>) => void;
}) {
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<S[]>(defaultScopes);
  const [expiresAt, setExpiresAt] = useState(isoDate(new Date(Date.now() + 30 * 86_400_000)));
  const nameId = useId();
  const expiryId = useId();
  const tomorrow = isoDate(new Date(Date.now() + 86_400_000));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit({ name: name.trim(), scopes: chosen, expires_at: expiresAt || undefined });
  };
  const toggle = (scope: S) =>
    setChosen((current) =>
      current.includes(scope) ? current.filter((s) => s !== scope) : [...current, scope],
    );

  return (
    <form className="panel token-form stack" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      <div className="token-form-grid">
        <div className="field">
          <label htmlFor={nameId}>Token name</label>
          <input
            id={nameId}
            className="input"
            required
            maxLength={255}
            value={name}
            placeholder="for example: ci-pull"
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={expiryId}>Expiration date</label>
          <input
            id={expiryId}
            className="input"
            type="date"
            min={tomorrow}
            value={expiresAt}
            onChange={(event) => setExpiresAt(event.target.value)}
          />
          <span className="field-hint">{expiryHint}</span>
        </div>
      </div>
      <fieldset className="choice-group">
        <legend className="field-label">Scopes</legend>
        {scopes.map((scope) => (
          <label key={scope.value}>
            <input
              type="checkbox"
              className="check"
              checked={chosen.includes(scope.value)}
              onChange={() => toggle(scope.value)}
            />
            <span>
              <code>{scope.value}</code>
              <span className="muted field-hint"> — {scope.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error ? (
        <p className="notice danger" role="alert" style={{ margin: 0 }}>
          {error}
        </p>
      ) : null}
      <div>
        <Button type="submit" variant="primary" disabled={pending || !name.trim() || chosen.length === 0}>
          {pending ? 'Creating…' : 'Create token'}
        </Button>
      </div>
    </form>
  );
}
