import { useMutation, useQueryClient } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type UserUpdate = components['schemas']['UserUpdate']
type User = components['schemas']['UserOut']

/** Change a user's role or enable/disable them. */
export async function updateUser({ id, ...body }: UserUpdate & { id: number }): Promise<User> {
  return unwrap(api.PATCH('/users/{user_id}', { params: { path: { user_id: id } }, body }))
}

/** Update a user and refresh the list. */
export function useUpdateUser() {
  const client = useQueryClient()
  return useMutation({ mutationFn: updateUser, onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }) })
}
