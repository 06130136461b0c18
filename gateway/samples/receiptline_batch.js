// Turn receiptline documents into ESC/POS with the receiptline package (npm).
// stdin: JSON [{doc, cpl, encoding}]; stdout: JSON [base64 ESC/POS]. NODE_PATH must reach receiptline.
const receiptline = require('receiptline');
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const jobs = JSON.parse(input);
  const out = jobs.map((j) => {
    const cmd = receiptline.transform(j.doc, { cpl: j.cpl, encoding: j.encoding, command: 'escpos', cutting: true });
    return Buffer.from(cmd, 'binary').toString('base64');
  });
  process.stdout.write(JSON.stringify(out));
});
