import { useMutation } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type PasswordChange = components['schemas']['PasswordChange']

/** Change my password; the backend revokes every other token I hold. */
export async function changePassword(body: PasswordChange): Promise<void> {
  await unwrap(api.POST('/auth/password', { body }))
}

/** Change the password as a mutation (the password dialog). */
export function useChangePassword() {
  return useMutation({ mutationFn: changePassword })
}
