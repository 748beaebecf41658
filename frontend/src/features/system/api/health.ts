import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'

export type TradingMode = 'sim' | 'paper' | 'live'

export interface Health {
  status: string
  version: string
  mode: TradingMode | string
}

/** Fetch liveness, version and trading mode (no login needed). */
export async function fetchHealth(): Promise<Health> {
  const data = await unwrap(api.GET('/health'))
  return data as unknown as Health
}

export const healthQuery = () =>
  queryOptions({ queryKey: ['system', 'health'], queryFn: fetchHealth, refetchInterval: 30_000, retry: 1 })

/** Read the backend's health and trading mode, refreshed every 30 s. */
export function useHealth() {
  return useQuery(healthQuery())
}
