// Prints one plain closing line that any CI log reader understands.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    console.log(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`);
  }
}
module.exports = SummaryReporter;
