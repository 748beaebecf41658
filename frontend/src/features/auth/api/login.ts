import { useMutation } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import { saveSession } from '@/lib/session'
import type { components } from '@/types/api.gen'

export type TokenResponse = components['schemas']['TokenResponse']

export interface LoginInput {
  email: string
  password: string
}

/** Exchange e-mail and password for a bearer token and keep it for this tab. */
export async function login({ email, password }: LoginInput): Promise<TokenResponse> {
  const token = await unwrap(
    api.POST('/auth/login', {
      body: { username: email.trim(), password, scope: '' },
      bodySerializer: (body) => new URLSearchParams(body as unknown as Record<string, string>),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }),
  )
  saveSession(token.access_token, token.expires_at)
  return token
}

/** Log in as a mutation (the login form). */
export function useLogin() {
  return useMutation({ mutationFn: login })
}
