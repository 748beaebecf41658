/** axe-core over a Playwright page, reported one readable line per failure (shared by the specs). */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

/**
 * Run axe over the page as it is now; return one readable line per rule and failure (the same
 * failure on many rows of a table is one line, with a count and the first element).
 */
export async function violations(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    // ECharts draws on a <canvas>: axe cannot read its pixels, and the chart's wrapper carries
    // role="img" with a label that says what it shows. Everything around the chart is checked.
    .exclude('canvas')
    .analyze()
  const lines = new Map<string, { target: string; count: number }>()
  for (const v of results.violations) {
    for (const n of v.nodes) {
      const key = `${where}: [${v.id}] ${n.failureSummary?.replace(/\s+/g, ' ') ?? v.help}`
      const seen = lines.get(key)
      if (seen) seen.count += 1
      else lines.set(key, { target: n.target.join(' '), count: 1 })
    }
  }
  return [...lines].map(([key, { target, count }]) => `${key} ×${count} (first: ${target})`)
}
