/** The accounts the e2e backend is seeded with (throwaway database, never a real deployment). */
export const USERS = {
  admin: { email: 'admin@example.org', password: 'supersecretpass1' },
  trader: { email: 'trader@example.org', password: 'tradersecret-123' },
  viewer: { email: 'viewer@example.org', password: 'viewersecret-123' },
} as const

export type UserKind = keyof typeof USERS
