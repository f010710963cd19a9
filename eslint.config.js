import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  ignores: ['dist/**', 'examples/web/dist/**', 'coverage/**', '.tap/**', 'node_modules/**']
})
