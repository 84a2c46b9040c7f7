import type { ReactNode } from 'react';
import { type ApiError, isApiError } from '../api-client';
import { Button } from './button';

export function SkeletonRows({ rows = 5, columns }: { rows?: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, row) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity.
        <tr key={row} className="skeleton-row">
          {Array.from({ length: columns }, (_, column) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity.
            <td key={column}>
              <span
                className="skeleton"
                style={{ width: `${column === 0 ? 60 : 40 + ((row * 7 + column * 13) % 40)}%` }}
              />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <div className="panel" aria-busy="true">
      <span className="visually-hidden">{label}</span>
      <div className="stack">
        <span className="skeleton" style={{ width: '40%' }} />
        <span className="skeleton" style={{ width: '70%' }} />
        <span className="skeleton" style={{ width: '55%' }} />
      </div>
    </div>
  );
}

export function EmptyState({
  title,
  children,
  actions,
  centered,
}: {
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  centered?: boolean;
}) {
  return (
    <section className={`panel empty-state${centered ? ' centered' : ''}`} aria-label={title}>
      <h2>{title}</h2>
      {children}
      {actions ? <div className="row">{actions}</div> : null}
    </section>
  );
}

function describe(error: unknown): { title: string; detail: string } {
  if (isApiError(error)) {
    const apiError = error as ApiError;
    switch (apiError.kind) {
      // An anonymous visitor meets 401 where the project is visible but its registry is for members only.
      case 'unauthorized':
        return {
          title: 'Sign in to see this',
          detail: 'Only signed-in users with access can see it. Sign in, or ask a maintainer for access.',
        };
      case 'forbidden':
        return { title: 'You do not have permission to see this', detail: apiError.message };
      case 'not_found':
        return {
          title: 'Not found',
          detail:
            'It does not exist, or you do not have access to it. Sign in or ask a maintainer for access.',
        };
      case 'network':
        return { title: 'The server could not be reached', detail: apiError.message };
      default:
        return { title: 'Something went wrong', detail: apiError.message };
    }
  }
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

/** A failure shown in words where it happened, with a retry. */
export function ErrorPanel({
  error,
  onRetry,
  what,
}: {
  error: unknown;
  onRetry?: () => void;
  what?: string;
}) {
  const { title, detail } = describe(error);
  const retryable =
    !isApiError(error, 'forbidden') && !isApiError(error, 'not_found') && !isApiError(error, 'unauthorized');
  return (
    <section className="panel empty-state error-panel" role="alert">
      <h2>{what ? `${what}: ${title.toLowerCase()}` : title}</h2>
      <p>{detail}</p>
      {onRetry && retryable ? <Button onClick={onRetry}>Retry</Button> : null}
    </section>
  );
}
