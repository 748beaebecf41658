import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'

import type { ProfileVersion } from './types'

/** Fetch a profile's stored versions, newest first. */
export async function listVersions(id: number): Promise<ProfileVersion[]> {
  return unwrap(api.GET('/configs/{profile_id}/versions', { params: { path: { profile_id: id } } }))
}

export const versionsQuery = (id: number) =>
  queryOptions({ queryKey: ['profiles', id, 'versions'], queryFn: () => listVersions(id) })

/** Read a profile's versions (only when `id` is set). */
export function useVersions(id: number | null) {
  return useQuery({ ...versionsQuery(id ?? 0), enabled: id !== null })
}
