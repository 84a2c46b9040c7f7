/** The seed's visibility table (docs/design.md §4), shared by the token-service and real-pull tests. */
export const VISIBILITIES = ['public', 'internal', 'private'] as const;
export const REGISTRY_LEVELS = ['enabled', 'private', 'disabled'] as const;
export const ROLES = [
  'anonymous',
  'guest',
  'outsider',
  'reporter',
  'developer',
  'maintainer',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * The seed's table (docs/design.md §4), written out cell by cell: may this role view the registry and pull?
 * `outsider` is a signed-in user who is not a member.
 */
export const SEED_PULL: Record<string, Record<Role, boolean>> = {
  'public/enabled': {
    anonymous: true,
    guest: true,
    outsider: true,
    reporter: true,
    developer: true,
    maintainer: true,
    admin: true,
  },
  'public/private': {
    anonymous: false,
    guest: false,
    outsider: false,
    reporter: true,
    developer: true,
    maintainer: true,
    admin: true,
  },
  'internal/enabled': {
    anonymous: false,
    guest: true,
    outsider: true,
    reporter: true,
    developer: true,
    maintainer: true,
    admin: true,
  },
  'internal/private': {
    anonymous: false,
    guest: false,
    outsider: false,
    reporter: true,
    developer: true,
    maintainer: true,
    admin: true,
  },
  'private/enabled': {
    anonymous: false,
    guest: false,
    outsider: false,
    reporter: true,
    developer: true,
    maintainer: true,
    admin: true,
  },
  'private/private': {
    anonymous: false,
    guest: false,
    outsider: false,
    reporter: true,
    developer: true,
    maintainer: true,
    admin: true,
  },
};
