import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'

export interface ProfileOption {
  value: number
  label: string
}

/** Fetch the saved profiles as filter options (id and name), by name. */
export async function fetchProfileOptions(): Promise<ProfileOption[]> {
  const { items } = await unwrap(api.GET('/configs'))
  return items.map((p) => ({ value: p.id, label: p.name })).sort((a, b) => a.label.localeCompare(b.label))
}

export const profileOptionsQuery = () => queryOptions({ queryKey: ['profiles', 'options'], queryFn: fetchProfileOptions })

/** Read the profile filter options. */
export function useProfileOptions() {
  return useQuery(profileOptionsQuery())
}
