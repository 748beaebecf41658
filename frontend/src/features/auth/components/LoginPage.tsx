import { LockOutlined, MailOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Form, Input, Typography } from 'antd'
import { useLocation, useNavigate } from 'react-router-dom'

import { ApiError } from '@/lib/apiError'
import { lastEndReason, type EndReason } from '@/lib/session'

import { useLogin, type LoginInput } from '../api/login'

const ENDED: Record<EndReason, { type: 'warning' | 'info' | 'success'; text: string }> = {
  expired: { type: 'warning', text: 'Your session expired. Log in again to continue.' },
  signed_out: { type: 'info', text: 'You signed out.' },
  password_changed: { type: 'success', text: 'Password changed. Log in with the new password.' },
}

/** Explain a failed login in the operator's terms. */
export function loginErrorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'Wrong e-mail or password.'
    if (error.status === 0) return 'Cannot reach the backend. Is it running?'
    return error.message
  }
  return 'Login failed.'
}

/** The login form; returns to the page the operator first asked for. */
export function LoginPage() {
  const login = useLogin()
  const navigate = useNavigate()
  const location = useLocation()
  const from = (location.state as { from?: string } | null)?.from ?? '/'
  const ended = lastEndReason()

  const onFinish = (values: LoginInput) => {
    login.mutate(values, { onSuccess: () => navigate(from, { replace: true }) })
  }

  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', padding: 16 }}>
      <Card style={{ width: '100%', maxWidth: 400 }}>
        <Typography.Title level={1} style={{ fontSize: 22, marginTop: 0 }}>
          Delta Strangle Control Plane
        </Typography.Title>
        {ended && !login.isError && (
          <Alert
            data-testid="session-ended"
            type={ENDED[ended].type}
            showIcon
            title={ENDED[ended].text}
            style={{ marginBottom: 16 }}
          />
        )}
        {login.isError && (
          <Alert role="alert" type="error" showIcon title={loginErrorText(login.error)} style={{ marginBottom: 16 }} />
        )}
        <Form<LoginInput> layout="vertical" onFinish={onFinish} requiredMark={false} disabled={login.isPending}>
          <Form.Item
            label="E-mail"
            name="email"
            rules={[
              { required: true, message: 'Enter your e-mail.' },
              { type: 'email', transform: (v: string) => v?.trim(), message: 'Enter a valid e-mail address.' },
            ]}
          >
            <Input prefix={<MailOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label="Password" name="password" rules={[{ required: true, message: 'Enter your password.' }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={login.isPending}>
            Log in
          </Button>
        </Form>
      </Card>
    </main>
  )
}
