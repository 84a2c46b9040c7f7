import type { DeployToken, DeployTokenScope } from '@berth/contract';
import { useState } from 'react';
import { useProject } from '../../../shared/api/get-project';
import { useSession } from '../../../shared/api/get-session';
import { paths } from '../../../shared/paths';
import { projectAbilities } from '../../../shared/permissions';
import { Breadcrumb, namespaceCrumbs } from '../../../shared/ui/breadcrumb';
import { Button } from '../../../shared/ui/button';
import { EmptyState, ErrorPanel, Loading, SkeletonRows } from '../../../shared/ui/states';
import { useCreateDeployToken } from '../api/create-deploy-token';
import { useListDeployTokens } from '../api/list-deploy-tokens';
import { useRevokeDeployToken } from '../api/revoke-deploy-token';
import { CreatedToken } from '../components/created-token';
import { RevokeDialog } from '../components/revoke-dialog';
import { ExpiryDate, ScopeBadges } from '../components/token-cells';
import { TokenForm } from '../components/token-form';
import './tokens.css';

const SCOPES = [
  { value: 'read_registry', description: "pull this project's images" },
  { value: 'write_registry', description: 'push images to this project' },
] as const satisfies readonly { value: DeployTokenScope; description: string }[];

export function DeployTokensPage({ project: projectPath }: { project: string }) {
  const project = useProject(projectPath);
  const session = useSession();
  const allowed = project.data ? projectAbilities(project.data, session.data).manageDeployTokens : false;
  const tokens = useListDeployTokens(projectPath, allowed);
  const create = useCreateDeployToken();
  const revoke = useRevokeDeployToken();
  const [revoking, setRevoking] = useState<DeployToken | null>(null);
  const [created, setCreated] = useState<{ token: string; username: string } | null>(null);
  const crumbs = [
    ...namespaceCrumbs(projectPath, (prefix, isLast) =>
      isLast ? paths.projectRegistry(prefix) : paths.groupRegistry(prefix),
    ),
    { label: 'Deploy tokens' },
  ];

  if (project.isError)
    return (
      <>
        <Breadcrumb items={crumbs} />
        <ErrorPanel error={project.error} onRetry={() => project.refetch()} />
      </>
    );
  if (!project.data || session.isPending)
    return (
      <>
        <Breadcrumb items={crumbs} />
        <Loading label="Loading deploy tokens" />
      </>
    );
  const list = tokens.data?.items.filter((token) => !token.revoked && !token.expired);

  return (
    <>
      <Breadcrumb items={crumbs} />
      <div className="page-header">
        <div className="title-block">
          <h1>Deploy tokens</h1>
          <div className="meta">
            <span>Let machines pull or push this project's images without a user account.</span>
          </div>
        </div>
      </div>
      {!allowed ? (
        <EmptyState title="You do not have permission to manage deploy tokens">
          <p>Only Maintainers and Owners of this project can create and revoke its deploy tokens.</p>
        </EmptyState>
      ) : (
        <div className="stack">
          {created ? (
            <CreatedToken
              token={created.token}
              username={created.username}
              registryHost={project.data.registry_ci.variables.CI_REGISTRY}
              onDismiss={() => setCreated(null)}
            />
          ) : null}
          <TokenForm
            title="Add a deploy token"
            scopes={SCOPES}
            defaultScopes={['read_registry']}
            pending={create.isPending}
            error={create.isError ? `The token was not created: ${create.error.message}` : null}
            onSubmit={(values) =>
              create.mutate(
                { project: projectPath, ...values },
                { onSuccess: (token) => setCreated({ token: token.token, username: token.username }) },
              )
            }
          />
          <section className="stack" aria-labelledby="deploy-tokens-list" style={{ gap: 'var(--space-2)' }}>
            <h2 id="deploy-tokens-list">Active deploy tokens{list ? ` (${list.length})` : ''}</h2>
            {tokens.isError ? (
              <ErrorPanel error={tokens.error} onRetry={() => tokens.refetch()} what="Deploy tokens" />
            ) : list && list.length === 0 ? (
              <EmptyState title="No active deploy tokens">
                <p>Create one above for a CI system or a server that pulls this project's images.</p>
              </EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Username</th>
                      <th scope="col">Scopes</th>
                      <th scope="col">Expires</th>
                      <th scope="col" className="shrink">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {!list ? (
                      <SkeletonRows columns={5} rows={2} />
                    ) : (
                      list.map((token) => (
                        <tr key={token.id}>
                          <td>
                            <strong>{token.name}</strong>
                          </td>
                          <td>
                            <code>{token.username}</code>
                          </td>
                          <td>
                            <ScopeBadges scopes={token.scopes} />
                          </td>
                          <td className="nowrap">
                            <ExpiryDate expiresAt={token.expires_at} />
                          </td>
                          <td className="shrink">
                            <Button size="sm" onClick={() => setRevoking(token)}>
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
        </div>
      )}
      {revoking ? (
        <RevokeDialog
          name={revoking.name}
          pending={revoke.isPending}
          error={revoke.isError ? `Not revoked: ${revoke.error.message}` : null}
          onClose={() => {
            revoke.reset();
            setRevoking(null);
          }}
          onConfirm={() =>
            revoke.mutate({ project: projectPath, id: revoking.id }, { onSuccess: () => setRevoking(null) })
          }
        />
      ) : null}
    </>
  );
}
