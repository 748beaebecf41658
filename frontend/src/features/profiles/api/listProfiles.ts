import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'

import type { Profile } from './types'

/** Fetch every profile at its current version. */
export async function listProfiles(): Promise<Profile[]> {
  return (await unwrap(api.GET('/configs'))).items
}

export const profilesQuery = () => queryOptions({ queryKey: ['profiles'], queryFn: listProfiles })

/** Read the profile list. */
export function useProfiles() {
  return useQuery(profilesQuery())
}
