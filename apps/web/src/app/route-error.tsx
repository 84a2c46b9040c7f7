import { Link, useRouteError } from 'react-router';
import { paths } from '../shared/paths';
import { EmptyState, ErrorPanel } from '../shared/ui/states';

export function NotFound() {
  return (
    <EmptyState title="Page not found" actions={<Link to={paths.explore()}>Explore projects</Link>}>
      <p>There is nothing at this address. It may have moved, or you may not have access to it.</p>
    </EmptyState>
  );
}

/** The last line of defence: a page that threw while rendering. */
export function RouteError() {
  const error = useRouteError();
  return (
    <main className="page">
      <ErrorPanel error={error} onRetry={() => window.location.reload()} />
    </main>
  );
}
