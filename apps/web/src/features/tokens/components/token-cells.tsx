/** The cells both token tables show: a token's scopes as badges, and its expiry date or "Never". */
export function ScopeBadges({ scopes }: { scopes: readonly string[] }) {
  return (
    <span className="row" style={{ gap: 'var(--space-1)' }}>
      {scopes.map((scope) => (
        <code key={scope} className="badge">
          {scope}
        </code>
      ))}
    </span>
  );
}

export function ExpiryDate({ expiresAt }: { expiresAt: string | null }) {
  return expiresAt ? expiresAt.slice(0, 10) : <span className="muted">Never</span>;
}
