// Mocha's spec reporter plus the closing line CI reads: "N passed, N failed, N skipped".
'use strict';
const { Spec } = require('mocha').reporters;
const { EVENT_RUN_END } = require('mocha').Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      process.stdout.write(`\n${s.passes || 0} passed, ${s.failures || 0} failed, ${s.pending || 0} skipped\n`);
    });
  }
}
module.exports = SummaryReporter;
