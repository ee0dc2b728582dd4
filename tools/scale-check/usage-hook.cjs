// Preloaded by `npm run check:scale` into the app's process (node --require): when the process exits, it writes its
// resource usage (CPU time, peak resident set size) to the file SCALE_CHECK_USAGE names. The app itself is unchanged.
const { writeFileSync } = require('node:fs');

const file = process.env.SCALE_CHECK_USAGE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
