import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp, ConfigProvider } from 'antd'
import { lazy, Suspense, useEffect, useState } from 'react'
import { BrowserRouter, Route, Routes } from 'react-router-dom'

import { ApiError } from '@/lib/apiError'
import { DisplayZoneContext } from '@/lib/displayZone'
import { loadTheme, loadTimeZone, saveTheme, saveTimeZone, type ThemeName } from '@/lib/preferences'
import { reportClientError } from '@/lib/telemetry'

import { AuthProvider } from './AuthProvider'
import { ErrorBoundary } from './ErrorBoundary'
import { themeConfig } from './theme'

const ProtectedArea = lazy(() => import('./ProtectedArea').then((m) => ({ default: m.ProtectedArea })))
const LoginPage = lazy(() => import('@/features/auth/components/LoginPage').then((m) => ({ default: m.LoginPage })))

/** Build the query client: no retries on 4xx (a 403 will not change by asking again). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: false,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
      mutations: {
        onError: (error) => {
          if (!(error instanceof ApiError) || error.status >= 500 || error.status === 0) {
            reportClientError('ui_mutation_failed', error.message)
          }
        },
      },
    },
  })
}

/** The whole dashboard: providers, theme, routes. */
export function App({ queryClient = createQueryClient() }: { queryClient?: QueryClient }) {
  const [theme, setTheme] = useState<ThemeName>(loadTheme)
  const [zone, setZone] = useState<string>(loadTimeZone)

  useEffect(() => {
    document.documentElement.dataset.theme = theme
    document.documentElement.style.colorScheme = theme
  }, [theme])

  const changeTheme = (next: ThemeName) => {
    saveTheme(next)
    setTheme(next)
  }
  const changeZone = (next: string) => {
    saveTimeZone(next)
    setZone(next)
  }

  return (
    <ConfigProvider theme={themeConfig(theme)}>
      <AntApp>
        <ErrorBoundary>
          <QueryClientProvider client={queryClient}>
            <DisplayZoneContext.Provider value={zone}>
              <BrowserRouter>
                <AuthProvider>
                  <Suspense fallback={null}>
                    <Routes>
                      <Route path="/login" element={<LoginPage />} />
                      <Route
                        path="/*"
                        element={
                          <ProtectedArea theme={theme} onThemeChange={changeTheme} zone={zone} onZoneChange={changeZone} />
                        }
                      />
                    </Routes>
                  </Suspense>
                </AuthProvider>
              </BrowserRouter>
            </DisplayZoneContext.Provider>
          </QueryClientProvider>
        </ErrorBoundary>
      </AntApp>
    </ConfigProvider>
  )
}
