// Print the gzipped size of every built chunk, of what opening each page loads, and of each part a
// page loads lazily (ECharts), and fail the build when any of them exceeds its budget below.
//
// "Opening a page" loads index.html's entry and its static imports, the signed-in shell
// (ProtectedArea, except for the login page), the page's chunk and their static imports and CSS;
// files shared between them count once. A lazily loaded part counts what it adds on top of the
// entry and the shell.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

// Budgets in kB gzipped: the size measured when each was set plus a few per cent of room. The
// login page's 300 kB is the product's requirement (issue 9). Raise a budget only for a reason
// you can name in the commit; every lazily loaded chunk must have one.
const PAGE_BUDGETS_KB = {
  LoginPage: 300, // measured 255.5
  LiveControlPage: 410, // 386.4 (the payoff chart's ECharts loads lazily)
  ProfilesPage: 455, // 428.4 (form, tabs, number inputs, time pickers)
  HistoryPage: 440, // 414.3 (table, date range picker, drawer)
  AnalyticsPage: 385, // 359.7 (charts load lazily)
  LogViewerPage: 445, // 417.2 (table, date range picker)
  FeeCalculatorPage: 350, // 328.9
  UsersPage: 400, // 373.8
}
const PART_BUDGETS_KB = {
  EChartCanvas: 200, // measured 187.8: ECharts core, line and bar charts, canvas renderer
}
const SHELL = 'ProtectedArea'

const DIST = new URL('../dist/', import.meta.url).pathname
const manifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8'))

const gz = new Map()
function gzipped(file) {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length)
  return gz.get(file)
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1).padStart(7)} kB`
const sum = (files) => [...files].reduce((total, f) => total + gzipped(f), 0)

/** Collect the files a manifest entry loads eagerly (its static imports, recursively, and CSS). */
function closure(key, files = new Set()) {
  const chunk = manifest[key]
  if (!chunk || files.has(chunk.file)) return files
  files.add(chunk.file)
  for (const css of chunk.css ?? []) files.add(css)
  for (const dep of chunk.imports ?? []) closure(dep, files)
  return files
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
}

const assets = walk(join(DIST, 'assets'))
  .map((p) => relative(DIST, p))
  .sort((a, b) => gzipped(b) - gzipped(a))
console.log('\nGzipped size of every asset:')
for (const file of assets) console.log(`${kb(gzipped(file))}  ${file}`)

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const entry = closure(entryKey)
const nameOf = (key) => basename(key).replace(/\.[jt]sx?$/, '')
const lazyKeys = Object.keys(manifest).filter((k) => manifest[k].isDynamicEntry)
const shellKey = lazyKeys.find((k) => nameOf(k) === SHELL)
const shell = shellKey ? closure(shellKey, new Set(entry)) : new Set(entry)

const failures = []
function check(name, bytes, budgets, what, note = '') {
  const budget = budgets[name]
  const verdict = budget === undefined ? 'NO BUDGET' : bytes > budget * 1024 ? `OVER ${budget} kB` : `budget ${budget} kB`
  console.log(`${kb(bytes)}  ${name.padEnd(20)} ${verdict.padEnd(14)} ${note}`)
  if (budget === undefined) failures.push(`${what} ${name} has no budget: add one to scripts/size-report.mjs`)
  else if (bytes > budget * 1024) failures.push(`${what} ${name} is ${(bytes / 1024).toFixed(1)} kB gzipped, over its ${budget} kB budget`)
}

if (!shellKey) failures.push(`the signed-in shell (${SHELL}) is not a lazily loaded chunk any more`)
const pageKeys = lazyKeys.filter((k) => nameOf(k) in PAGE_BUDGETS_KB || nameOf(k).endsWith('Page'))
const partKeys = lazyKeys.filter((k) => k !== shellKey && !pageKeys.includes(k))

console.log('\nOpening each page (entry + shell + page, gzipped; and what the page adds to them):')
for (const key of pageKeys) {
  const name = nameOf(key)
  const before = name === 'LoginPage' ? entry : shell
  const files = closure(key, new Set(before))
  check(name, sum(files), PAGE_BUDGETS_KB, 'page', `(+${((sum(files) - sum(before)) / 1024).toFixed(1)} kB)`)
}
console.log('\nLazily loaded parts (what each adds to the entry and shell, gzipped):')
for (const key of partKeys) {
  const files = closure(key)
  for (const file of shell) files.delete(file)
  check(nameOf(key), sum(files), PART_BUDGETS_KB, 'lazy chunk')
}
const built = new Set([...pageKeys, ...partKeys].map(nameOf))
for (const name of [...Object.keys(PAGE_BUDGETS_KB), ...Object.keys(PART_BUDGETS_KB)]) {
  if (!built.has(name)) failures.push(`${name} has a budget but no lazily loaded chunk of that name was built`)
}

if (failures.length) {
  console.error(`\nsize budget check failed:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log('\nsize budgets OK')
