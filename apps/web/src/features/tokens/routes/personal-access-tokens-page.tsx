import type { PersonalAccessToken, PersonalAccessTokenScope } from '@berth/contract';
import { useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../../shared/api/get-session';
import { useListProjects } from '../../../shared/api/list-projects';
import { paths } from '../../../shared/paths';
import { Breadcrumb } from '../../../shared/ui/breadcrumb';
import { Button } from '../../../shared/ui/button';
import { RelativeTime } from '../../../shared/ui/relative-time';
import { EmptyState, ErrorPanel, Loading, SkeletonRows } from '../../../shared/ui/states';
import { useCreatePersonalAccessToken } from '../api/create-personal-access-token';
import { useListPersonalAccessTokens } from '../api/list-personal-access-tokens';
import { useRevokePersonalAccessToken } from '../api/revoke-personal-access-token';
import { CreatedToken } from '../components/created-token';
import { RevokeDialog } from '../components/revoke-dialog';
import { ExpiryDate, ScopeBadges } from '../components/token-cells';
import { TokenForm } from '../components/token-form';
import './tokens.css';

const SCOPES = [
  { value: 'read_registry', description: 'pull images from registries you can see' },
  { value: 'write_registry', description: 'push images to projects where you are a Developer or above' },
  { value: 'read_api', description: 'read the API' },
  { value: 'api', description: 'full API access, including deleting images' },
] as const satisfies readonly { value: PersonalAccessTokenScope; description: string }[];

function tokenState(token: PersonalAccessToken) {
  if (token.revoked) return <span className="badge danger">Revoked</span>;
  if (!token.active) return <span className="badge">Expired</span>;
  return <span className="badge success">Active</span>;
}

export function PersonalAccessTokensPage() {
  const session = useSession();
  const location = useLocation();
  const tokens = useListPersonalAccessTokens();
  const create = useCreatePersonalAccessToken();
  const revoke = useRevokePersonalAccessToken();
  const anyProject = useListProjects({ perPage: 1 });
  const [revoking, setRevoking] = useState<PersonalAccessToken | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  if (session.isPending) return <Loading label="Loading" />;
  if (!session.data) return <Navigate replace to={paths.signIn(location.pathname)} />;
  const host = anyProject.data?.items[0]?.registry_ci.variables.CI_REGISTRY ?? '<registry host>';
  const list = tokens.data?.items;
  const active = list?.filter((token) => token.active) ?? [];
  const inactive = list?.filter((token) => !token.active) ?? [];

  return (
    <>
      <Breadcrumb items={[{ label: 'User settings' }, { label: 'Personal access tokens' }]} />
      <div className="page-header">
        <div className="title-block">
          <h1>Personal access tokens</h1>
          <div className="meta">
            <span>
              Use a token instead of your password with <code>docker login</code>, skopeo or the API.
            </span>
          </div>
        </div>
      </div>
      <div className="stack">
        {secret ? (
          <CreatedToken
            token={secret}
            username={session.data.user.username}
            registryHost={host}
            onDismiss={() => setSecret(null)}
          />
        ) : null}
        <TokenForm
          expiryHint="Leave empty for the longest lifetime this instance allows (a year unless its admin changed it)."
          title="Add a personal access token"
          scopes={SCOPES}
          defaultScopes={['read_registry']}
          pending={create.isPending}
          error={create.isError ? `The token was not created: ${create.error.message}` : null}
          onSubmit={(values) => create.mutate(values, { onSuccess: (token) => setSecret(token.token) })}
        />
        <section className="stack" aria-labelledby="active-tokens" style={{ gap: 'var(--space-2)' }}>
          <h2 id="active-tokens">Active tokens{list ? ` (${active.length})` : ''}</h2>
          {tokens.isError ? (
            <ErrorPanel error={tokens.error} onRetry={() => tokens.refetch()} what="Tokens" />
          ) : list && active.length === 0 ? (
            <EmptyState title="No active personal access tokens">
              <p>Create one above to log in to the registry from a script or CI.</p>
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Expires</th>
                    <th scope="col" className="shrink">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {!list ? (
                    <SkeletonRows columns={6} rows={3} />
                  ) : (
                    active.map((token) => (
                      <tr key={token.id}>
                        <td>
                          <strong>{token.name}</strong>
                        </td>
                        <td>
                          <ScopeBadges scopes={token.scopes} />
                        </td>
                        <td className="nowrap">
                          <RelativeTime value={token.created_at} />
                        </td>
                        <td className="nowrap">
                          {token.last_used_at ? (
                            <RelativeTime value={token.last_used_at} />
                          ) : (
                            <span className="muted">Never</span>
                          )}
                        </td>
                        <td className="nowrap">
                          <ExpiryDate expiresAt={token.expires_at} />
                        </td>
                        <td className="shrink">
                          <Button
                            size="sm"
                            variant="default"
                            className="revoke"
                            onClick={() => setRevoking(token)}
                          >
                            Revoke
                          </Button>
                        </td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {inactive.length > 0 ? (
          <details>
            <summary className="field-label">Inactive tokens ({inactive.length})</summary>
            <ul className="preview-list">
              {inactive.map((token) => (
                <li key={token.id}>
                  {token.name} {tokenState(token)}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </div>
      {revoking ? (
        <RevokeDialog
          name={revoking.name}
          pending={revoke.isPending}
          error={revoke.isError ? `Not revoked: ${revoke.error.message}` : null}
          onClose={() => {
            revoke.reset();
            setRevoking(null);
          }}
          onConfirm={() => revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
        />
      ) : null}
    </>
  );
}
