import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { fireEvent, render, screen, type RenderResult } from '@testing-library/react'
import { App as AntApp, ConfigProvider } from 'antd'
import type { ReactElement } from 'react'
import { MemoryRouter } from 'react-router-dom'

import { CurrentUserContext, type CurrentUser } from '@/lib/currentUser'
import type { Role } from '@/lib/roles'

/** Build a user with a role (the signed-in user for a test). */
export function aUser(role: Role = 'admin', overrides: Partial<CurrentUser> = {}): CurrentUser {
  return { id: 1, email: `${role}@example.org`, full_name: null, role, ...overrides }
}

/** Render a component inside the providers the app gives it. */
export function renderWithProviders(
  ui: ReactElement,
  { user = aUser(), route = '/' }: { user?: CurrentUser | null; route?: string } = {},
): RenderResult & { queryClient: QueryClient } {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  const result = render(
    <ConfigProvider theme={{ token: { motion: false } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <MemoryRouter initialEntries={[route]}>
            <CurrentUserContext.Provider value={user}>{ui}</CurrentUserContext.Provider>
          </MemoryRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>,
  )
  return { ...result, queryClient }
}

/** Type into the input labelled `label` in one change event (userEvent.type is slow under jsdom + antd). */
export function fillIn(label: string | RegExp, value: string): void {
  fireEvent.change(screen.getByLabelText(label), { target: { value } })
}

/** Click the button with this accessible name. */
export function press(name: string | RegExp): void {
  fireEvent.click(screen.getByRole('button', { name }))
}

/** Press and release a key on an element (some inputs act on a key only once it has come back up). */
export function pressKey(element: Element, key: string): void {
  fireEvent.keyDown(element, { key, code: key })
  fireEvent.keyUp(element, { key, code: key })
}
