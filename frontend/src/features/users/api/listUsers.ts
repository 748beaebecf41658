import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type User = components['schemas']['UserOut']

/** Fetch every user (admins only). */
export async function listUsers(): Promise<User[]> {
  return unwrap(api.GET('/users'))
}

export const usersQuery = () => queryOptions({ queryKey: ['users'], queryFn: listUsers })

/** Read the user list. */
export function useUsers() {
  return useQuery(usersQuery())
}
