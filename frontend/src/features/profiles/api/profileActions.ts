import { useMutation, useQueryClient } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'

export type ProfileAction = 'activate' | 'deactivate' | 'delete'

/** Activate, deactivate or delete a profile. */
export async function profileAction({ id, action }: { id: number; action: ProfileAction }): Promise<void> {
  const path = { params: { path: { profile_id: id } } }
  if (action === 'delete') await unwrap(api.DELETE('/configs/{profile_id}', path))
  else if (action === 'activate') await unwrap(api.POST('/configs/{profile_id}/activate', path))
  else await unwrap(api.POST('/configs/{profile_id}/deactivate', path))
}

/** Run a profile action and refresh the list. */
export function useProfileAction() {
  const client = useQueryClient()
  return useMutation({ mutationFn: profileAction, onSuccess: () => client.invalidateQueries({ queryKey: ['profiles'] }) })
}
