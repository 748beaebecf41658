/**
 * A thin wrapper over echarts-for-react with only the chart types and components the dashboard
 * uses registered, so each page that draws charts pulls a small slice of ECharts into its chunk.
 */
import { BarChart, LineChart } from 'echarts/charts'
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { theme } from 'antd'
import type { EChartsOption } from 'echarts'
import ReactEChartsCore from 'echarts-for-react/esm/core'

echarts.use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  MarkAreaComponent,
  TitleComponent,
  DataZoomComponent,
  CanvasRenderer,
])

/** Draw an ECharts option; `label` is the accessible name of the chart. */
export function EChart({ option, height = 280, label }: { option: EChartsOption; height?: number; label: string }) {
  const { token } = theme.useToken()
  // The dark algorithm starts from a black base; follow the app's theme without extra props.
  const dark = token.colorBgBase === '#000' || token.colorBgBase === '#000000'
  return (
    <div role="img" aria-label={label}>
      <ReactEChartsCore
        echarts={echarts}
        option={{ backgroundColor: 'transparent', ...option }}
        theme={dark ? 'dark' : undefined}
        notMerge
        style={{ height }}
      />
    </div>
  )
}
