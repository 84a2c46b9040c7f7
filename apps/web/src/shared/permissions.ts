import { ACCESS_LEVELS, type SessionResponse } from '@berth/contract';
import type { ProjectWithPolicy } from './api/get-project';

/** The caller's level on a project: the higher of its direct and inherited membership. */
export function accessLevel(project: Pick<ProjectWithPolicy, 'permissions'>): number {
  const { project_access: direct, group_access: inherited } = project.permissions;
  return Math.max(direct?.access_level ?? 0, inherited?.access_level ?? 0);
}

/** What the UI offers; the BFF decides again on every request (apps/bff/src/access). */
export function projectAbilities(project: ProjectWithPolicy, session: SessionResponse | null | undefined) {
  const admin = session?.user.is_admin === true;
  const level = accessLevel(project);
  const registryOn = project.container_registry_access_level !== 'disabled';
  return {
    deleteImages: registryOn && Boolean(session) && (admin || level >= ACCESS_LEVELS.developer),
    manageSettings: Boolean(session) && (admin || level >= ACCESS_LEVELS.maintainer),
    manageDeployTokens: Boolean(session) && (admin || level >= ACCESS_LEVELS.maintainer),
  };
}
