import { ACCESS_LEVELS } from '@berth/contract';
import { type Kysely, sql } from 'kysely';
import pino from 'pino';
import { prepare } from '../src/bootstrap.js';
import type { Config } from '../src/config.js';
import type { BffDatabase } from '../src/db/schema.js';
import { hashPassword } from '../src/domain/secrets.js';
import { TokenService } from '../src/domain/tokens.js';

/** Ten top-level groups of ten subgroups each; projects are dealt round-robin over the subgroups. */
export const TOP_GROUPS = 10;
export const SUBGROUPS = 10;
const VISIBILITIES = ['public', 'internal', 'private'] as const;
const REGISTRY_LEVELS = ['enabled', 'enabled', 'private', 'disabled'] as const;
/** The member sees these privately: Developer of `org-0`, Reporter of `org-1/team-1`, and a few projects. */
const DIRECT_PROJECTS = 5;
const CHUNK = 500;

export interface SeededInstance {
  projects: number;
  /** A personal access token (`api`) of the member. */
  memberToken: string;
  /** Projects the member may see on `GET /projects`. */
  visibleToMember: number;
  /** Projects under `org-0` (its subgroups included) the member may see. */
  visibleUnderOrg0: number;
  /** Every project under `org-0`, in creation order, and whether the member may view its registry. */
  org0Projects: { fullPath: string; registryVisibleToMember: boolean }[];
}

/**
 * Writes an instance of `projectCount` projects straight into the database (the API would take
 * minutes for 30,000), with a member whose visibility mixes public, internal, inherited and direct.
 * The expected counts are worked out here from the plan, not read back through the code under test.
 */
export async function seedInstance(config: Config, projectCount: number): Promise<SeededInstance> {
  const { database } = await prepare(config, pino({ level: 'silent' }));
  const db: Kysely<BffDatabase> = database.db;
  try {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const iso = (offsetSeconds: number) => new Date(now + offsetSeconds * 1000).toISOString();
    const member = await db
      .insertInto('users')
      .values({
        username: 'member',
        name: 'Member',
        email: 'member@example.com',
        password_hash: await hashPassword('member-password'),
        is_admin: 0,
        state: 'active',
        created_at: iso(0),
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const subgroupIds: number[] = [];
    const topIds: number[] = [];
    for (let top = 0; top < TOP_GROUPS; top++) {
      const org = await db
        .insertInto('groups')
        .values({
          name: `Org ${top}`,
          path: `org-${top}`,
          full_path: `org-${top}`,
          parent_id: null,
          visibility: 'public',
          description: '',
          created_at: iso(top),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      topIds.push(org.id);
      for (let team = 0; team < SUBGROUPS; team++) {
        const row = await db
          .insertInto('groups')
          .values({
            name: `Team ${team}`,
            path: `team-${team}`,
            full_path: `org-${top}/team-${team}`,
            parent_id: org.id,
            visibility: 'public',
            description: '',
            created_at: iso(top),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        subgroupIds.push(row.id);
      }
    }
    const reporterTeam = SUBGROUPS + 1; // org-1/team-1

    let visibleToMember = 0;
    let visibleUnderOrg0 = 0;
    const org0Projects: SeededInstance['org0Projects'] = [];
    const directProjectIndexes = new Set(
      Array.from({ length: DIRECT_PROJECTS }, (_, k) => Math.floor(((k + 1) * projectCount) / 7)),
    );
    for (let start = 0; start < projectCount; start += CHUNK) {
      const rows = [];
      for (let i = start; i < Math.min(projectCount, start + CHUNK); i++) {
        const team = i % subgroupIds.length;
        const visibility = VISIBILITIES[Math.floor(i / subgroupIds.length) % 3]!;
        const registry = REGISTRY_LEVELS[i % REGISTRY_LEVELS.length]!;
        const underOrg0 = team < SUBGROUPS;
        const member = underOrg0 || team === reporterTeam || directProjectIndexes.has(i);
        if (visibility !== 'private' || member) visibleToMember += 1;
        const top = Math.floor(team / SUBGROUPS);
        const path = `project-${i}`;
        if (underOrg0) {
          visibleUnderOrg0 += 1; // Developer of org-0 sees all of it
          org0Projects.push({
            fullPath: `org-0/team-${team}/${path}`,
            registryVisibleToMember: registry !== 'disabled',
          });
        }
        rows.push({
          name: `Project ${i}`,
          path,
          full_path: `org-${top}/team-${team % SUBGROUPS}/${path}`,
          namespace_id: subgroupIds[team]!,
          visibility,
          container_registry_access_level: registry,
          description: '',
          created_at: iso(60 + i),
          last_activity_at: iso(60 + ((i * 7919) % projectCount)),
        });
      }
      await db.insertInto('projects').values(rows).execute();
    }

    const memberships: { source_type: 'group' | 'project'; source_id: number; access_level: number }[] = [
      { source_type: 'group', source_id: topIds[0]!, access_level: ACCESS_LEVELS.developer },
      { source_type: 'group', source_id: subgroupIds[reporterTeam]!, access_level: ACCESS_LEVELS.reporter },
    ];
    for (const index of directProjectIndexes) {
      const project = await db
        .selectFrom('projects')
        .select('id')
        .where('path', '=', `project-${index}`)
        .executeTakeFirstOrThrow();
      memberships.push({ source_type: 'project', source_id: project.id, access_level: ACCESS_LEVELS.guest });
    }
    await db
      .insertInto('members')
      .values(memberships.map((m) => ({ ...m, user_id: member.id, expires_at: null, created_at: iso(0) })))
      .execute();

    // A bulk load leaves PostgreSQL without statistics until autovacuum's next pass; take them now.
    // (SQLite's are taken by the BFF itself when it opens the database.)
    if (database.dialect === 'postgres') await sql`analyze`.execute(db);

    const { token } = await new TokenService(db, { patMaxLifetimeDays: 365 }).createPersonalAccessToken(
      member.id,
      {
        name: 'bench',
        scopes: ['api'],
        expiresAt: undefined,
      },
    );
    return {
      projects: projectCount,
      memberToken: token,
      visibleToMember,
      visibleUnderOrg0,
      org0Projects,
    };
  } finally {
    await database.close();
  }
}
