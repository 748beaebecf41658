import { Navigate, Route, Routes } from 'react-router-dom'

import type { ThemeName } from '@/lib/preferences'

import { PAGES } from './pages'
import { RequireAuth, RequireRole } from './RequireAuth'
import { Shell } from './Shell'

export interface ProtectedAreaProps {
  theme: ThemeName
  onThemeChange: (theme: ThemeName) => void
  zone: string
  onZoneChange: (zone: string) => void
}

/** Everything behind the login: the shell and its pages (a separate chunk from the login page). */
export function ProtectedArea(props: ProtectedAreaProps) {
  return (
    <RequireAuth>
      <Routes>
        <Route element={<Shell {...props} />}>
          <Route index element={<Navigate to="/live" replace />} />
          {PAGES.map(({ path, role, Component }) => (
            <Route
              key={path}
              path={`${path.slice(1)}/*`}
              element={
                <RequireRole role={role}>
                  <Component />
                </RequireRole>
              }
            />
          ))}
          <Route path="*" element={<Navigate to="/live" replace />} />
        </Route>
      </Routes>
    </RequireAuth>
  )
}
