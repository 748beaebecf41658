import { useMutation } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type FeeQuoteRequest = components['schemas']['FeeQuoteRequest']
export type FeeQuote = components['schemas']['FeeQuoteResponse']

/** Ask the backend what Delta would charge for one option fill. */
export async function quoteFee(body: FeeQuoteRequest): Promise<FeeQuote> {
  return unwrap(api.POST('/trading/fees/quote', { body }))
}

/** Quote a fee as a mutation (the calculator form). */
export function useQuoteFee() {
  return useMutation({ mutationFn: quoteFee })
}
