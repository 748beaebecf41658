/** Roles from the backend, weakest first: each role can do everything the ones before it can. */
export type Role = 'viewer' | 'trader' | 'admin'

const RANK: Record<Role, number> = { viewer: 0, trader: 1, admin: 2 }

/** Tell whether `role` is at least `needed`. */
export function hasRole(role: Role | null | undefined, needed: Role): boolean {
  return role != null && RANK[role] >= RANK[needed]
}
