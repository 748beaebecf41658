import { useQueryClient } from '@tanstack/react-query'
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'

import { useMe, type Me } from '@/features/auth/api/me'
import {
  currentToken,
  endSession,
  sessionExpiry,
  SESSION_ENDED_EVENT,
  SESSION_STARTED_EVENT,
} from '@/lib/session'

interface AuthState {
  hasToken: boolean
  user: Me | undefined
  loading: boolean
  error: unknown
}

const AuthContext = createContext<AuthState>({ hasToken: false, user: undefined, loading: false, error: null })

/** Read the authentication state (token present, user, loading). */
export function useAuth(): AuthState {
  return useContext(AuthContext)
}

// setTimeout cannot wait longer than ~24.8 days; tokens never live that long, but clamp anyway.
const MAX_TIMER_MS = 2_000_000_000

/** Track the token: end the session the moment it expires, and forget cached data on sign-out. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient()
  const [hasToken, setHasToken] = useState(() => currentToken() !== null)

  useEffect(() => {
    const started = () => setHasToken(currentToken() !== null)
    const ended = () => {
      setHasToken(false)
      queryClient.clear()
    }
    window.addEventListener(SESSION_STARTED_EVENT, started)
    window.addEventListener(SESSION_ENDED_EVENT, ended)
    return () => {
      window.removeEventListener(SESSION_STARTED_EVENT, started)
      window.removeEventListener(SESSION_ENDED_EVENT, ended)
    }
  }, [queryClient])

  useEffect(() => {
    if (!hasToken) return
    const expiry = sessionExpiry()
    if (!expiry) return
    const wait = Math.min(Math.max(expiry.getTime() - Date.now(), 0), MAX_TIMER_MS)
    const id = setTimeout(() => {
      if (currentToken() !== null && (sessionExpiry()?.getTime() ?? 0) <= Date.now()) endSession('expired')
    }, wait)
    return () => clearTimeout(id)
  }, [hasToken])

  const me = useMe(hasToken)
  const state: AuthState = { hasToken, user: me.data, loading: hasToken && me.isPending, error: me.error }
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>
}
