/**
 * A thin wrapper over echarts-for-react with only the chart types and components the dashboard
 * uses registered (line and bar; grid, tooltip, legend, mark lines; the canvas renderer). Even so
 * this is ~200 kB gzipped, so it is loaded only through the lazy `EChart` (EChart.tsx) when a chart
 * is first drawn, never with a page.
 */
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { theme } from 'antd'
import type { EChartsOption } from 'echarts'
import ReactEChartsCore from 'echarts-for-react/esm/core'

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, CanvasRenderer])

export interface EChartProps {
  option: EChartsOption
  height?: number
  /** The accessible name of the chart: what it shows, in words. */
  label: string
}

/** Draw an ECharts option. */
export default function EChartCanvas({ option, height = 280, label }: EChartProps) {
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
