import { Alert, Button } from 'antd'
import { Component, type ErrorInfo, type ReactNode } from 'react'

import { reportClientError } from '@/lib/telemetry'

interface State {
  error: Error | null
}

/** Catch render errors, report them, and offer a reload instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null }

  static getDerivedStateFromError(error: Error): State {
    return { error }
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportClientError('ui_render_error', error.message, { component_stack: info.componentStack ?? '' })
  }

  override render() {
    if (!this.state.error) return this.props.children
    return (
      <div style={{ padding: 24 }}>
        <Alert
          type="error"
          showIcon
          title="The dashboard hit an error"
          description={this.state.error.message}
          action={<Button onClick={() => window.location.reload()}>Reload</Button>}
        />
      </div>
    )
  }
}
