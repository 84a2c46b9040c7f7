import { CopyButton } from '../../../shared/ui/copy-button';

/** The secret, shown this once, and how to log in to the registry with it. */
export function CreatedToken({
  token,
  username,
  registryHost,
  onDismiss,
}: {
  token: string;
  username: string;
  registryHost: string;
  onDismiss: () => void;
}) {
  const login = `echo "$TOKEN" | docker login ${registryHost} -u ${username} --password-stdin`;
  return (
    <section className="notice success stack created-token" aria-label="Your new token" role="status">
      <strong>Your new token. Copy it now: it will not be shown again.</strong>
      <div className="command">
        <code className="command-text" data-testid="new-token">
          {token}
        </code>
        <CopyButton text={token} label="Copy token" withText />
      </div>
      <div>
        <div className="command-label">
          Log in to the container registry with it (set TOKEN to the value above)
        </div>
        <div className="command">
          <code className="command-text">{login}</code>
          <CopyButton text={login} label="Copy docker login command" />
        </div>
      </div>
      <div>
        <button type="button" className="btn btn-sm" onClick={onDismiss}>
          I have copied it
        </button>
      </div>
    </section>
  );
}
