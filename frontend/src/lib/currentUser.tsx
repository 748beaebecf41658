import { createContext, useContext } from 'react'

import { hasRole, type Role } from './roles'

export interface CurrentUser {
  id: number
  email: string
  full_name: string | null
  role: Role
}

export const CurrentUserContext = createContext<CurrentUser | null>(null)

/** Return the logged-in user; pages only render inside the authenticated shell. */
export function useCurrentUser(): CurrentUser {
  const user = useContext(CurrentUserContext)
  if (!user) throw new Error('useCurrentUser needs the authenticated shell')
  return user
}

/** Tell whether the logged-in user has at least `needed` (false outside the shell). */
export function useHasRole(needed: Role): boolean {
  return hasRole(useContext(CurrentUserContext)?.role, needed)
}
