import { type FormEvent, Suspense, useEffect, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useSignOut } from '../features/auth/api/sign-out';
import { useSession } from '../shared/api/get-session';
import { useListProjects } from '../shared/api/list-projects';
import { paths } from '../shared/paths';
import { accessLevel } from '../shared/permissions';
import { Button } from '../shared/ui/button';
import { AnchorIcon, CloseIcon, MenuIcon } from '../shared/ui/icons';
import { Menu } from '../shared/ui/menu';
import { Loading } from '../shared/ui/states';

function UserMenu() {
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const location = useLocation();
  if (session.isPending) return <span className="skeleton" style={{ width: 64 }} />;
  if (!session.data) {
    return (
      <Link className="btn btn-sm" to={paths.signIn(`${location.pathname}${location.search}`)}>
        Sign in
      </Link>
    );
  }
  return (
    <Menu label={session.data.user.username}>
      <div className="stack" style={{ gap: 'var(--space-2)' }}>
        <div>
          <strong>{session.data.user.name}</strong>
          <div className="muted">@{session.data.user.username}</div>
        </div>
        <Link to={paths.personalAccessTokens()}>Access tokens</Link>
        <Button onClick={() => signOut.mutate(undefined, { onSuccess: () => navigate(paths.signIn()) })}>
          Sign out
        </Button>
      </div>
    </Menu>
  );
}

function TopSearch() {
  const navigate = useNavigate();
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(
      value.trim() ? `${paths.explore()}?search[]=${encodeURIComponent(value.trim())}` : paths.explore(),
    );
  };
  return (
    <form className="top-search" onSubmit={submit}>
      <input
        className="input"
        type="text"
        aria-label="Search projects"
        placeholder="Search projects…"
        value={value}
        onChange={(event) => setValue(event.target.value)}
      />
    </form>
  );
}

interface RailGroup {
  path: string;
  projects: { path: string; name: string; maintainer: boolean }[];
}

/** The groups and projects the user can see, each project with its registry and settings. */
function Rail() {
  const session = useSession();
  const projects = useListProjects({
    orderBy: 'path',
    sort: 'asc',
    perPage: 100,
    membership: Boolean(session.data),
  });
  const groups = new Map<string, RailGroup>();
  for (const project of projects.data?.items ?? []) {
    const path = project.namespace.full_path;
    const group = groups.get(path) ?? { path, projects: [] };
    group.projects.push({
      path: project.path_with_namespace,
      name: project.name,
      maintainer: Boolean(session.data?.user.is_admin) || accessLevel(project) >= 40,
    });
    groups.set(path, group);
  }
  return (
    <nav className="rail" aria-label="Projects">
      {projects.isPending ? (
        <div className="stack rail-loading">
          <span className="skeleton" style={{ width: '70%' }} />
          <span className="skeleton" style={{ width: '50%' }} />
          <span className="skeleton" style={{ width: '60%' }} />
        </div>
      ) : groups.size === 0 ? (
        <p className="muted rail-empty">No projects to show yet.</p>
      ) : (
        <ul>
          {[...groups.values()]
            .sort((a, b) => a.path.localeCompare(b.path))
            .map((group) => (
              <li key={group.path}>
                <NavLink className="rail-group" to={paths.groupRegistry(group.path)} title={group.path}>
                  {group.path}
                </NavLink>
                <ul>
                  {group.projects.map((project) => (
                    <li key={project.path}>
                      <span className="rail-project truncate" title={project.name}>
                        {project.name}
                      </span>
                      <NavLink className="rail-link" to={paths.projectRegistry(project.path)} end={false}>
                        Container registry
                      </NavLink>
                      {project.maintainer ? (
                        <NavLink className="rail-link" to={paths.projectSettings(project.path)}>
                          Settings
                        </NavLink>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
        </ul>
      )}
    </nav>
  );
}

export function Shell() {
  const [drawerOpen, setDrawerOpen] = useState(false);
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a navigation closes the drawer.
  useEffect(() => setDrawerOpen(false), [location.pathname]);
  return (
    <div className={`shell${drawerOpen ? ' drawer-open' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Button
          variant="icon"
          className="drawer-toggle"
          aria-label={drawerOpen ? 'Close navigation' : 'Open navigation'}
          aria-expanded={drawerOpen}
          onClick={() => setDrawerOpen(!drawerOpen)}
        >
          {drawerOpen ? <CloseIcon /> : <MenuIcon />}
        </Button>
        <Link to={paths.home()} className="brand">
          <AnchorIcon />
          <span>Berth</span>
        </Link>
        <TopSearch />
        <span className="spacer" />
        <NavLink to={paths.explore()} className="topbar-link">
          Explore
        </NavLink>
        <UserMenu />
      </header>
      <div className="shell-body">
        <Rail />
        <main id="main" className="page" tabIndex={-1}>
          <Suspense fallback={<Loading label="Loading page" />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}
