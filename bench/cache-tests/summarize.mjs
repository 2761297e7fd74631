// Pass/fail counts per test group of the cache-tests suite, for https-proxy's results and the
// suite's published results of nginx, Squid and Varnish (its results/*.json), as Markdown.
//
//   node summarize.mjs SUITE_DIR LABEL=RESULTS.json [LABEL=RESULTS.json ...]
//
// Per cell: passed (pass, or a check answered yes) / failed (a required test failed, or its setup
// or a test it depends on did) / optional (an optimal test failed, or a check answered no).
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [suiteDir, ...ours] = process.argv.slice(2)
const load = p => import(pathToFileURL(path.join(suiteDir, p)).href)
const suites = (await load('tests/index.mjs')).default
const { determineTestResult, resultTypes } = await load('test-engine/lib/results.mjs')
const read = f => JSON.parse(fs.readFileSync(f, 'utf8'))
const columns = [
  ...ours.map(arg => [arg.slice(0, arg.indexOf('=')), read(arg.slice(arg.indexOf('=') + 1))]),
  ['nginx', read(path.join(suiteDir, 'results/nginx.json'))],
  ['Squid', read(path.join(suiteDir, 'results/squid.json'))],
  ['Varnish', read(path.join(suiteDir, 'results/varnish.json'))]
]

function count (suite, results) {
  const c = { pass: 0, fail: 0, optional: 0, total: 0 }
  for (const t of suite.tests) {
    if (t.browser_only) continue
    const r = determineTestResult(suites, t.id, results)
    if (r === resultTypes.untested) continue
    c.total++
    if (r === resultTypes.pass || r === resultTypes.yes) c.pass++
    else if (r === resultTypes.optional_fail || r === resultTypes.no) c.optional++
    else c.fail++
  }
  return c
}

const cell = c => `${c.pass} / ${c.fail} / ${c.optional}`
console.log(`| group | tests | ${columns.map(c => c[0]).join(' | ')} |`)
console.log(`| --- | --- | ${columns.map(() => '---').join(' | ')} |`)
const totals = columns.map(() => ({ pass: 0, fail: 0, optional: 0, total: 0 }))
for (const suite of suites) {
  const counts = columns.map(([, r]) => count(suite, r))
  counts.forEach((c, i) => { for (const k in c) totals[i][k] += c[k] })
  const n = Math.max(...counts.map(c => c.total))
  console.log(`| ${suite.name} (\`${suite.id}\`) | ${n} | ${counts.map(cell).join(' | ')} |`)
}
console.log(`| **all** | ${Math.max(...totals.map(t => t.total))} | ${totals.map(c => `**${cell(c)}**`).join(' | ')} |`)
