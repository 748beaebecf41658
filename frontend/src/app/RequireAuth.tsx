import { Button, Result } from 'antd'
import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router-dom'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { Loading } from '@/components/Loading'
import { CurrentUserContext, useCurrentUser } from '@/lib/currentUser'
import { hasRole, type Role } from '@/lib/roles'

import { useAuth } from './AuthProvider'

/** Render children only for a signed-in user; otherwise go to the login page and come back after. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { hasToken, user, loading, error } = useAuth()
  const location = useLocation()
  if (!hasToken) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
  if (loading) {
    return (
      <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center' }}>
        <Loading size="large" label="loading your account" />
      </div>
    )
  }
  if (!user) {
    return (
      <div style={{ padding: 24 }}>
        <ApiErrorAlert error={error} title="Could not load your account" />
        <Button style={{ marginTop: 16 }} onClick={() => window.location.reload()}>
          Retry
        </Button>
      </div>
    )
  }
  return <CurrentUserContext.Provider value={user}>{children}</CurrentUserContext.Provider>
}

/** Show a plain 403 when the user's role is below what the page needs. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const have = useCurrentUser().role
  if (hasRole(have, role)) return <>{children}</>
  return (
    <Result
      status="403"
      title="403: not allowed"
      subTitle={`This page needs the ${role} role; you are signed in as ${have}.`}
    />
  )
}
