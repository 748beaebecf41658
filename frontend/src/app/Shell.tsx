import { Alert, Layout, Menu, Space, theme as antdTheme, Typography } from 'antd'
import { Suspense } from 'react'
import { Link, Outlet, useLocation } from 'react-router-dom'

import { HeaderClock } from '@/components/HeaderClock'
import { Loading } from '@/components/Loading'
import { ModeBadge } from '@/components/ModeBadge'
import { ThemeToggle } from '@/components/ThemeToggle'
import { UserMenu } from '@/features/auth/components/UserMenu'
import { useHealth } from '@/features/system/api/health'
import { useCurrentUser } from '@/lib/currentUser'
import type { ThemeName } from '@/lib/preferences'
import { hasRole } from '@/lib/roles'

import { ErrorBoundary } from './ErrorBoundary'
import { PAGES } from './pages'

interface ShellProps {
  theme: ThemeName
  onThemeChange: (theme: ThemeName) => void
  zone: string
  onZoneChange: (zone: string) => void
}

/** The signed-in frame: header (mode, clock, theme, user) and the role-aware page menu. */
export function Shell({ theme, onThemeChange, zone, onZoneChange }: ShellProps) {
  const user = useCurrentUser()
  const health = useHealth()
  const location = useLocation()
  const { token } = antdTheme.useToken()
  const mode = health.data?.mode
  const visible = PAGES.filter((p) => hasRole(user.role, p.role))
  const selected = visible.find((p) => location.pathname.startsWith(p.path))?.path

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {mode === 'live' && (
        <div
          role="status"
          data-testid="live-banner"
          style={{ background: '#a8071a', color: '#fff', textAlign: 'center', fontWeight: 800, padding: '4px 8px' }}
        >
          LIVE TRADING: orders on this account use real money
        </div>
      )}
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 16,
          paddingInline: 16,
          background: token.colorBgContainer,
          borderBottom: `1px solid ${token.colorBorderSecondary}`,
          height: 'auto',
          lineHeight: '48px',
          flexWrap: 'wrap',
        }}
      >
        <Typography.Text strong style={{ fontSize: 16 }}>
          Delta Strangle
        </Typography.Text>
        <ModeBadge mode={mode} loading={health.isLoading} />
        <div style={{ flex: 1 }} />
        <Space size="middle" wrap>
          <HeaderClock zone={zone} onZoneChange={onZoneChange} />
          <ThemeToggle theme={theme} onChange={onThemeChange} />
          <UserMenu />
        </Space>
      </Layout.Header>
      <Layout>
        {/* Ant Design's "light" menu follows the dark algorithm too; its "dark" menu would put white text on the light primary. */}
        <Layout.Sider breakpoint="md" collapsedWidth={0} theme="light" width={180} aria-label="pages">
          <Menu
            mode="inline"
            selectedKeys={selected ? [selected] : []}
            items={visible.map((p) => ({ key: p.path, label: <Link to={p.path}>{p.label}</Link> }))}
            style={{ height: '100%', borderInlineEnd: 0 }}
          />
        </Layout.Sider>
        <Layout.Content style={{ padding: 24 }}>
          {health.isError && (
            <Alert
              type="error"
              showIcon
              title="The backend is not answering"
              description="The data on this page may be stale until it comes back."
              style={{ marginBottom: 16 }}
            />
          )}
          {/* One page failing must not take the header, mode badge and menu with it. */}
          <ErrorBoundary key={location.pathname}>
            <Suspense fallback={<Loading label="loading page" />}>
              <Outlet />
            </Suspense>
          </ErrorBoundary>
        </Layout.Content>
      </Layout>
    </Layout>
  )
}
