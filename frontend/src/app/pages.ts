/**
 * The pages of the dashboard: path, menu label, the role needed, and a lazily loaded component so
 * each page is its own chunk and the login page stays small.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react'

import type { Role } from '@/lib/roles'

export interface PageSpec {
  path: string
  label: string
  role: Role
  Component: LazyExoticComponent<ComponentType>
}

export const PAGES: PageSpec[] = [
  {
    path: '/live',
    label: 'Live Control',
    role: 'viewer',
    Component: lazy(() => import('@/features/live/components/LiveControlPage').then((m) => ({ default: m.LiveControlPage }))),
  },
  {
    path: '/profiles',
    label: 'Profiles',
    role: 'viewer',
    Component: lazy(() => import('@/features/profiles/components/ProfilesPage').then((m) => ({ default: m.ProfilesPage }))),
  },
  {
    path: '/history',
    label: 'History',
    role: 'viewer',
    Component: lazy(() => import('@/features/history/components/HistoryPage').then((m) => ({ default: m.HistoryPage }))),
  },
  {
    path: '/analytics',
    label: 'Analytics',
    role: 'viewer',
    Component: lazy(() =>
      import('@/features/analytics/components/AnalyticsPage').then((m) => ({ default: m.AnalyticsPage })),
    ),
  },
  {
    path: '/logs',
    label: 'Log Viewer',
    role: 'viewer',
    Component: lazy(() => import('@/features/logs/components/LogViewerPage').then((m) => ({ default: m.LogViewerPage }))),
  },
  {
    path: '/fees',
    label: 'Fee calculator',
    role: 'viewer',
    Component: lazy(() =>
      import('@/features/fees/components/FeeCalculatorPage').then((m) => ({ default: m.FeeCalculatorPage })),
    ),
  },
  {
    path: '/users',
    label: 'Users',
    role: 'admin',
    Component: lazy(() => import('@/features/users/components/UsersPage').then((m) => ({ default: m.UsersPage }))),
  },
]
