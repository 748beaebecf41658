import { lazy, Suspense } from 'react'

import type { EChartProps } from './EChartCanvas'
import { Loading } from './Loading'

// ECharts is the largest library of the dashboard: it arrives in its own chunk when a chart first
// renders, so a page shows its figures and controls without waiting for it.
const EChartCanvas = lazy(() => import('./EChartCanvas'))

/** Draw an ECharts option (`label` is the chart's accessible name); a spinner holds its place while ECharts loads. */
export function EChart(props: EChartProps) {
  const fallback = (
    <div style={{ height: props.height ?? 280, display: 'grid', placeItems: 'center' }}>
      <Loading label={`loading chart: ${props.label}`} />
    </div>
  )
  return (
    <Suspense fallback={fallback}>
      <EChartCanvas {...props} />
    </Suspense>
  )
}
