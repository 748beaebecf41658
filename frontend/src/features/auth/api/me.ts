import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type Me = components['schemas']['UserOut']

/** Fetch the logged-in user. */
export async function fetchMe(): Promise<Me> {
  return unwrap(api.GET('/auth/me'))
}

export const meQuery = () => queryOptions({ queryKey: ['auth', 'me'], queryFn: fetchMe, retry: false, staleTime: 60_000 })

/** Read the logged-in user (enabled only while a token exists). */
export function useMe(enabled: boolean) {
  return useQuery({ ...meQuery(), enabled })
}
