import { useMutation, useQueryClient } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'

import type { Profile, StrategyConfigIn } from './types'

/** Create a profile (id null) or save an edit as its next version. */
export async function saveProfile({ id, config }: { id: number | null; config: StrategyConfigIn }): Promise<Profile> {
  if (id === null) return unwrap(api.POST('/configs', { body: config }))
  return unwrap(api.PUT('/configs/{profile_id}', { params: { path: { profile_id: id } }, body: config }))
}

/** Save a profile and refresh the list and its versions. */
export function useSaveProfile() {
  const client = useQueryClient()
  return useMutation({ mutationFn: saveProfile, onSuccess: () => client.invalidateQueries({ queryKey: ['profiles'] }) })
}
