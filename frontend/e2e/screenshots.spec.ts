import { expect, logIn, test } from './fixtures'
import { PAGES } from './pages'

// One picture of every page in both themes, kept under test-results/ as artifacts of the run.
for (const theme of ['light', 'dark'] as const) {
  test(`every page renders in the ${theme} theme`, async ({ page }, testInfo) => {
    test.setTimeout(90_000)
    await page.addInitScript((t) => localStorage.setItem('ds.theme', t), theme)
    await page.goto('/login')
    const shoot = async (name: string) => {
      const path = testInfo.outputPath(`${name}-${theme}.png`)
      await page.screenshot({ path, fullPage: true })
      await testInfo.attach(`${name}-${theme}`, { path, contentType: 'image/png' })
    }
    await shoot('login')
    await logIn(page, 'admin')
    for (const [label, name] of PAGES) {
      await page.getByRole('link', { name: label }).click()
      await expect(page).toHaveURL(new RegExp(`/${name}$`))
      await expect(page.getByRole('heading', { level: 2 })).toBeVisible()
      await shoot(name)
    }
  })
}
