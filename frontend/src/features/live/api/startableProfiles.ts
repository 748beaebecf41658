import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type StartableProfile = Pick<components['schemas']['ProfileOut'], 'id' | 'name' | 'version' | 'is_active' | 'underlying'>

/** Fetch the profiles a trader can start (active one first). */
export async function fetchStartableProfiles(): Promise<StartableProfile[]> {
  const { items } = await unwrap(api.GET('/configs'))
  return [...items].sort((a, b) => Number(b.is_active) - Number(a.is_active))
}

export const startableQuery = () => queryOptions({ queryKey: ['profiles', 'startable'], queryFn: fetchStartableProfiles })

/** Read the startable profiles. */
export function useStartableProfiles(enabled: boolean) {
  return useQuery({ ...startableQuery(), enabled })
}
