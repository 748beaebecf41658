import { useMutation, useQueryClient } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type UserCreate = components['schemas']['UserCreate']
type User = components['schemas']['UserOut']

/** Create a user with a role. */
export async function createUser(body: UserCreate): Promise<User> {
  return unwrap(api.POST('/users', { body }))
}

/** Create a user and refresh the list. */
export function useCreateUser() {
  const client = useQueryClient()
  return useMutation({ mutationFn: createUser, onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }) })
}
