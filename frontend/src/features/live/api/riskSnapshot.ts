import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type RiskSnapshot = components['schemas']['RiskSnapshot']

/** Fetch the payoff ladder, breakevens and exit levels of the live book (null without positions). */
export async function fetchRiskSnapshot(): Promise<RiskSnapshot | null> {
  return (await unwrap(api.GET('/trading/risk-snapshot'))).book
}

export const riskQuery = () =>
  queryOptions({ queryKey: ['trading', 'risk'], queryFn: fetchRiskSnapshot, refetchInterval: 5000 })

/** Read the risk picture, refreshed every 5 s. */
export function useRiskSnapshot() {
  return useQuery(riskQuery())
}
